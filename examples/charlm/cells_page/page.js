// The hidden-state page's script: reads the embedded data (see examples/charlm/cells_page.cpp for
// its layout), draws the coloured text, the ranking, the selection's cells and matches, the
// next-character box and the gate-saturation panels, and keeps the view in the address fragment:
//   #series=S&cell=K&feature=NAME&select=A-B&threshold=X&at=I
// S and K are indices; A-B is a half-open range [A, B) of character (code point) indices; X is in
// [0, 1]; I pins the next-character box on character I.
'use strict';

(function () {
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const chars = Array.from(data.text); // code points, as the page's indices count them
  const steps = chars.length;
  const nextSymbols = Array.from(data.next.symbols);
  const byId = (id) => document.getElementById(id);
  const textBox = byId('text');

  function decodeInt8(base64) {
    const bytes = atob(base64);
    const out = new Int8Array(bytes.length);
    for (let i = 0; i < bytes.length; ++i) out[i] = (bytes.charCodeAt(i) << 24) >> 24;
    return out;
  }
  const series = data.series.map((s) => ({ name: s.name, cells: s.cells, q: decodeInt8(s.values) }));
  // The activation of cell k of series s at step t, in [−1, 1] (q / 127).
  const activation = (s, t, k) => series[s].q[t * series[s].cells + k] / 127;

  const state = { series: 0, cell: 0, feature: 0, select: null, threshold: 0.5, at: null };

  // ---- colours --------------------------------------------------------------------------------
  // Diverging scale: −1 blue (33, 102, 172), 0 white, +1 red (178, 24, 43), linear in between.
  function colour(v) {
    const end = v >= 0 ? [178, 24, 43] : [33, 102, 172];
    const a = Math.min(1, Math.abs(v));
    const mix = (c) => Math.round(255 + (c - 255) * a);
    return 'rgb(' + mix(end[0]) + ', ' + mix(end[1]) + ', ' + mix(end[2]) + ')';
  }
  const gateColours = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e'];

  function shown(symbol) {
    if (symbol === '\n') return '↵';
    if (symbol === '\t') return '⇥';
    if (symbol === ' ') return '␣';
    if (symbol === '\u0000') return '∅';
    return symbol;
  }
  const cellName = (s, k) => series[s].name + ' · ' + k;
  const signed = (v) => (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(2);

  // ---- the fragment ---------------------------------------------------------------------------
  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    const ignored = [];
    const index = (name, limit) => {
      if (!params.has(name)) return null;
      const v = Number(params.get(name));
      if (Number.isInteger(v) && v >= 0 && v < limit) return v;
      ignored.push(name + '=' + params.get(name) + ' (not in 0…' + (limit - 1) + ')');
      return null;
    };
    const s = index('series', series.length);
    if (s !== null) state.series = s;
    const k = index('cell', series[state.series].cells);
    if (params.has('feature')) {
      const f = data.features.findIndex((x) => x.name === params.get('feature'));
      if (f >= 0) state.feature = f;
      else ignored.push('feature=' + params.get('feature') + ' (no such feature)');
    }
    if (k !== null) state.cell = k;
    else if (s !== null || !params.has('cell')) state.cell = bestCell(state.series);
    if (params.has('threshold')) {
      const x = Number(params.get('threshold'));
      if (params.get('threshold') !== '' && x >= 0 && x <= 1) state.threshold = x;
      else ignored.push('threshold=' + params.get('threshold') + ' (not in [0, 1])');
    }
    state.select = null;
    state.at = null;
    if (params.has('select')) {
      const m = /^(\d+)-(\d+)$/.exec(params.get('select'));
      if (m && Number(m[1]) < Number(m[2]) && Number(m[2]) <= steps) {
        state.select = [Number(m[1]), Number(m[2])];
      } else {
        ignored.push('select=' + params.get('select') + ' (not A-B with A < B ≤ ' + steps + ')');
      }
    }
    const at = index('at', steps);
    if (at !== null) state.at = at;
    const notice = byId('notice');
    notice.hidden = ignored.length === 0;
    notice.textContent = 'Ignored in the address: ' + ignored.join('; ');
  }

  function writeFragment() {
    const parts = [
      'series=' + state.series,
      'cell=' + state.cell,
    ];
    if (data.features.length) parts.push('feature=' + encodeURIComponent(data.features[state.feature].name));
    if (state.select) parts.push('select=' + state.select[0] + '-' + state.select[1]);
    parts.push('threshold=' + state.threshold);
    if (state.at !== null) parts.push('at=' + state.at);
    history.replaceState(null, '', '#' + parts.join('&'));
  }

  // ---- the text -------------------------------------------------------------------------------
  const spans = chars.map((c, i) => {
    const span = document.createElement('span');
    span.textContent = c;
    if (c === '\n') span.className = 'nl';
    else if (c === '\t') span.className = 'tab';
    span.charIndex = i;
    return span;
  });
  const characters = document.createDocumentFragment();
  spans.forEach((span) => characters.append(span));
  textBox.append(characters);
  // A selection given by the address is scrolled into the text's view (a third from the top).
  function revealSelection() {
    if (state.select) textBox.scrollTop = spans[state.select[0]].offsetTop - textBox.clientHeight / 3;
    hideNext();
  }
  textBox.addEventListener('scroll', hideNext);

  function paintText() {
    const s = state.series, k = state.cell;
    for (let t = 0; t < steps; ++t) {
      const v = activation(s, t, k);
      spans[t].style.backgroundColor = colour(v);
      spans[t].style.color = Math.abs(v) > 0.65 ? '#fff' : '';
    }
    byId('cell-label').textContent = 'Cell ' + k + ' of ' + series[s].name;
  }

  // ---- the ranking ----------------------------------------------------------------------------
  // Every (series, cell) by the chosen feature's score, best first; unscored (null) cells last.
  function ranking(f) {
    const rows = [];
    data.features[f].scores.forEach((perSeries, s) =>
      perSeries.forEach((score, k) => rows.push({ s, k, score })));
    rows.sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || a.s - b.s || a.k - b.k);
    return rows;
  }
  function bestCell(s) {
    if (!data.features.length) return 0;
    const best = ranking(state.feature).find((r) => r.s === s && r.score !== null);
    return best ? best.k : 0;
  }

  function drawRanking() {
    const list = byId('ranking');
    list.replaceChildren();
    if (!data.features.length) {
      byId('ranking-feature').textContent = '(no features on this page)';
      return;
    }
    const feature = data.features[state.feature];
    byId('ranking-feature').textContent = feature.name + (feature.measure ? ' (' + feature.measure + ')' : '');
    const rows = ranking(state.feature);
    const top = Math.max(...rows.map((r) => Math.abs(r.score ?? 0)), 1e-12);
    rows.forEach((r, i) => {
      const li = document.createElement('li');
      li.dataset.series = r.s;
      li.dataset.cell = r.k;
      if (r.s === state.series && r.k === state.cell) li.className = 'current';
      const rank = document.createElement('span');
      rank.className = 'rank';
      rank.textContent = i + 1;
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = cellName(r.s, r.k);
      const score = document.createElement('span');
      score.className = 'score';
      score.textContent = r.score === null ? '–' : r.score.toFixed(3);
      const bar = document.createElement('span');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = (100 * Math.abs(r.score ?? 0) / top).toFixed(1) + '%';
      bar.append(fill);
      li.append(rank, who, score, bar);
      list.append(li);
    });
  }

  // ---- the selection (LSTMVis) ----------------------------------------------------------------
  // The cells of the shown series that are ≥ threshold at every step of [a, b) and < threshold at
  // a − 1 (when there is one).
  function cellsOnOver([a, b]) {
    const s = state.series, th = state.threshold, on = [];
    for (let k = 0; k < series[s].cells; ++k) {
      let all = a === 0 || activation(s, a - 1, k) < th;
      for (let t = a; all && t < b; ++t) all = activation(s, t, k) >= th;
      if (all) on.push(k);
    }
    return on;
  }
  // The maximal runs [start, end) where every cell of `cells` is ≥ threshold, except the run that
  // holds the selection itself.
  function matches(cells, [a, b]) {
    const s = state.series, th = state.threshold, runs = [];
    let start = -1;
    for (let t = 0; t <= steps; ++t) {
      const on = t < steps && cells.every((k) => activation(s, t, k) >= th);
      if (on && start < 0) start = t;
      if (!on && start >= 0) {
        if (!(start < b && t > a)) runs.push([start, t]);
        start = -1;
      }
    }
    return runs;
  }

  function snippet(a, b) {
    return chars.slice(a, b).map(shown).join('');
  }

  function drawSelection() {
    spans.forEach((span) => span.classList.remove('sel', 'match'));
    const summary = byId('selection-summary'), cellList = byId('selection-cells');
    const count = byId('match-count'), matchList = byId('match-list');
    cellList.replaceChildren();
    matchList.replaceChildren();
    count.textContent = '';
    delete count.dataset.count;
    if (!state.select) {
      summary.textContent = 'Select a span of the text with the mouse.';
      return;
    }
    const [a, b] = state.select;
    for (let t = a; t < b; ++t) spans[t].classList.add('sel');
    summary.replaceChildren('Characters ' + a + '–' + (b - 1) + ' ', quote(snippet(a, b)),
      ': the cells of ' + series[state.series].name + ' on (≥ ' + state.threshold.toFixed(2) +
      ') across it and off just before it —');
    const on = cellsOnOver(state.select);
    if (!on.length) {
      summary.append(' none.');
      return;
    }
    for (const k of on) {
      const li = document.createElement('li');
      li.dataset.cell = k;
      let sum = 0;
      for (let t = a; t < b; ++t) sum += activation(state.series, t, k);
      li.textContent = k + ' ' + signed(sum / (b - a));
      li.title = 'show cell ' + k + ' (mean over the selection)';
      if (k === state.cell) li.className = 'current';
      cellList.append(li);
    }
    const runs = matches(on, state.select);
    count.dataset.count = runs.length;
    count.textContent = runs.length + (runs.length === 1 ? ' other place' : ' other places') +
      ' where all ' + on.length + (on.length === 1 ? ' cell is' : ' cells are') + ' on together';
    for (const [start, end] of runs) {
      for (let t = start; t < end; ++t) spans[t].classList.add('match');
      const li = document.createElement('li');
      li.dataset.start = start;
      li.textContent = start + ': ' + snippet(start, Math.min(end, start + 40));
      matchList.append(li);
    }
  }
  function quote(text) {
    const q = document.createElement('q');
    q.textContent = text.length > 60 ? text.slice(0, 57) + '…' : text;
    return q;
  }

  // The half-open character range of the document's selection inside the text, or null.
  function selectedRange() {
    const sel = window.getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const boundary = (node, offset) => {
      if (node === textBox) return offset;
      let span = node.nodeType === Node.TEXT_NODE ? node.parentNode : node;
      while (span && span.charIndex === undefined) span = span.parentNode;
      if (!span) return null;
      return offset === 0 ? span.charIndex : span.charIndex + 1;
    };
    const a = boundary(range.startContainer, range.startOffset);
    const b = boundary(range.endContainer, range.endOffset);
    return a !== null && b !== null && a < b ? [a, b] : null;
  }

  // ---- the next-character box -----------------------------------------------------------------
  function showNext(t, pinned) {
    const box = byId('next');
    box.replaceChildren();
    const head = document.createElement('div');
    head.className = 'next-head';
    head.textContent = 'after ' + shown(chars[t]) + ' (character ' + t + '), cell ' + state.cell +
      ' ' + signed(activation(state.series, t, state.cell));
    const list = document.createElement('ol');
    for (let j = 0; j < 5; ++j) {
      const p = data.next.per_mille[5 * t + j] / 1000;
      const li = document.createElement('li');
      const symbol = document.createElement('span');
      symbol.className = 'symbol';
      symbol.textContent = shown(nextSymbols[5 * t + j]);
      const bar = document.createElement('span');
      bar.className = 'prob-bar';
      bar.style.width = (100 * p).toFixed(1) + '%';
      const prob = document.createElement('span');
      prob.className = 'prob';
      prob.textContent = (100 * p).toFixed(1) + '%';
      li.append(symbol, bar, prob);
      list.append(li);
    }
    box.append(head, list);
    const rect = spans[t].getBoundingClientRect(), view = textBox.getBoundingClientRect();
    if (rect.bottom < view.top || rect.top > view.bottom) {
      box.hidden = true; // scrolled out of the text's view
      return;
    }
    box.style.left = Math.max(4, rect.left + window.scrollX - 20) + 'px';
    box.style.top = rect.bottom + window.scrollY + 4 + 'px';
    box.hidden = false;
    spans.forEach((span) => span.classList.remove('pinned'));
    if (pinned) spans[t].classList.add('pinned');
  }
  function hideNext() {
    if (state.at !== null) showNext(state.at, true);
    else byId('next').hidden = true;
  }

  // ---- gate saturation ------------------------------------------------------------------------
  const svgNs = 'http://www.w3.org/2000/svg';
  function svg(name, attributes, text) {
    const el = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
    if (text !== undefined) el.textContent = text;
    return el;
  }
  // One panel per layer: x = fraction of steps < 0.1, y = fraction > 0.9, a dot per cell and gate.
  function drawSaturation() {
    const plots = byId('saturation-plots');
    if (!data.gates.length) {
      plots.textContent = 'No gates: the model is a plain RNN.';
      return;
    }
    const gateNames = [...new Set(data.gates.map((g) => g.gate))];
    const layers = [...new Set(data.gates.map((g) => g.layer))].sort((a, b) => a - b);
    const size = 250, pad = 40, top = 30, plot = size - pad - 12;
    const x = (v) => pad + v * plot, y = (v) => top + (1 - v) * plot;
    for (const layer of layers) {
      const figure = document.createElement('figure');
      const caption = document.createElement('figcaption');
      caption.textContent = 'Layer ' + layer;
      const height = top + plot + 42;
      const chart = svg('svg', { width: size, height, viewBox: '0 0 ' + size + ' ' + height });
      chart.dataset.layer = layer;
      chart.append(svg('rect', { x: x(0), y: y(1), width: plot, height: plot, fill: '#fafbfc', stroke: '#d8dee4' }));
      chart.append(svg('line', { x1: x(0), y1: y(1), x2: x(1), y2: y(0), stroke: '#c8d1da', 'stroke-dasharray': '4 3' }));
      for (const v of [0, 0.5, 1]) {
        chart.append(svg('text', { x: x(v), y: y(0) + 14, 'text-anchor': 'middle' }, String(v)));
        chart.append(svg('text', { x: x(0) - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
      }
      chart.append(svg('text', { x: x(0.5), y: y(0) + 30, 'text-anchor': 'middle' }, 'fraction left-saturated'));
      chart.append(svg('text', { transform: 'translate(11 ' + y(0.5) + ') rotate(-90)', 'text-anchor': 'middle' },
        'fraction right-saturated'));
      data.gates.filter((g) => g.layer === layer).forEach((g) => {
        const fill = gateColours[gateNames.indexOf(g.gate) % gateColours.length];
        g.left.forEach((l, k) => {
          const dot = svg('circle', { cx: x(l).toFixed(1), cy: y(g.right[k]).toFixed(1), r: 2.6, fill, 'fill-opacity': 0.7 });
          dot.append(svg('title', {}, 'gate ' + g.gate + ', cell ' + k + ': ' + l.toFixed(2) + ' < 0.1, ' +
            g.right[k].toFixed(2) + ' > 0.9'));
          chart.append(dot);
        });
      });
      gateNames.forEach((name, i) => {
        const lx = x(0) + i * 58;
        chart.append(svg('circle', { cx: lx, cy: top / 2, r: 4, fill: gateColours[i % gateColours.length] }));
        chart.append(svg('text', { x: lx + 7, y: top / 2 + 4 }, 'gate ' + name));
      });
      figure.append(caption, chart);
      plots.append(figure);
    }
  }

  // ---- controls -------------------------------------------------------------------------------
  function fillControls() {
    const seriesSelect = byId('series');
    series.forEach((s, i) => seriesSelect.append(new Option(i + ' · ' + s.name + ' (' + s.cells + ' cells)', i)));
    const featureSelect = byId('feature');
    data.features.forEach((f, i) => featureSelect.append(new Option(f.name, i)));
    featureSelect.disabled = !data.features.length;
  }

  function render() {
    byId('series').value = state.series;
    byId('feature').value = state.feature;
    byId('threshold').value = state.threshold;
    byId('threshold-value').value = state.threshold.toFixed(2);
    byId('cell-search').value = state.series + ':' + state.cell;
    paintText();
    drawRanking();
    drawSelection();
    hideNext();
  }
  function change(update) {
    update();
    render();
    writeFragment();
  }

  byId('series').addEventListener('change', (e) => change(() => {
    state.series = Number(e.target.value);
    state.cell = Math.min(state.cell, series[state.series].cells - 1);
  }));
  byId('feature').addEventListener('change', (e) => change(() => {
    state.feature = Number(e.target.value);
  }));
  byId('threshold').addEventListener('input', (e) => change(() => {
    state.threshold = Number(e.target.value);
  }));
  byId('controls').addEventListener('submit', (e) => e.preventDefault());
  byId('cell-search').addEventListener('change', (e) => {
    const m = /^\s*(?:(\d+)\s*[:/ ]\s*)?(\d+)\s*$/.exec(e.target.value);
    const s = m && m[1] !== undefined ? Number(m[1]) : state.series;
    const ok = m && s < series.length && Number(m[2]) < series[s].cells;
    e.target.classList.toggle('invalid', !ok);
    if (ok) change(() => { state.series = s; state.cell = Number(m[2]); });
  });
  byId('ranking').addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (li) change(() => { state.series = Number(li.dataset.series); state.cell = Number(li.dataset.cell); });
  });
  byId('selection-cells').addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (li) change(() => { state.cell = Number(li.dataset.cell); });
  });
  byId('match-list').addEventListener('click', (e) => {
    const li = e.target.closest('li');
    if (li) spans[Number(li.dataset.start)].scrollIntoView({ block: 'center' });
  });
  // A dragged span becomes the selection; a plain click pins (or unpins) the next-character box.
  textBox.addEventListener('mouseup', (e) => {
    const range = selectedRange();
    if (range) {
      window.getSelection().removeAllRanges();
      change(() => { state.select = range; });
    } else if (e.target.charIndex !== undefined) {
      change(() => { state.at = state.at === e.target.charIndex ? null : e.target.charIndex; });
    }
  });
  textBox.addEventListener('mouseover', (e) => {
    if (e.target.charIndex === undefined) return;
    e.target.classList.add('hovered');
    showNext(e.target.charIndex, false);
  });
  textBox.addEventListener('mouseout', (e) => {
    if (e.target.charIndex === undefined) return;
    e.target.classList.remove('hovered');
    hideNext();
  });
  window.addEventListener('hashchange', () => {
    readFragment();
    render();
    revealSelection();
  });

  document.title = 'Hidden state — ' + data.title;
  byId('page-title').textContent = data.title;
  fillControls();
  drawSaturation();
  readFragment();
  render();
  revealSelection();
  document.body.dataset.ready = 'true';
})();
