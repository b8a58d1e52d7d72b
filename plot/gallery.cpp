// plot_gallery FOLDER: writes one plot of each kind (a log-y line plot of five series with a
// gap, a loss curve, a point plot of a success rate, a log-scale heatmap with missing cells) as
// SVG and PNG, to look at when the house style changes.
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "plot/heatmap.hpp"
#include "plot/line_plot.hpp"

namespace plot = unroll::plot;

namespace {

// Gradient norms ρ^d over distance d for five ρ, one value missing (a diverged run).
void gradient_flow(const std::filesystem::path& folder) {
  plot::LinePlot p;
  p.title("Gradient norm against distance").x_label("distance d").y_label("‖∂L/∂h(t−d)‖");
  p.log_y();
  std::vector<double> ds;
  for (int d = 0; d <= 40; d += 4) ds.push_back(d);
  for (const double rho : {0.5, 0.8, 0.95, 1.0, 1.1}) {
    std::vector<double> norms;
    for (const double d : ds) norms.push_back(std::pow(rho, d));
    if (rho == 0.95) norms[5] = std::nan("");
    p.add_series("ρ = " + std::to_string(rho).substr(0, 4), ds, norms);
  }
  p.write(folder / "gradient-flow");
}

// A noisy exponentially decaying training loss over 2000 steps, and its validation loss.
void loss_curve(const std::filesystem::path& folder) {
  std::vector<double> steps, train, val_steps, val;
  for (int s = 0; s < 2000; s += 5) {
    steps.push_back(s);
    train.push_back(1.5 + 2.7 * std::exp(-s / 300.0) + 0.08 * std::sin(s * 0.37));
    if (s % 200 == 0) {
      val_steps.push_back(s);
      val.push_back(1.6 + 2.6 * std::exp(-s / 320.0));
    }
  }
  plot::LinePlot p;
  p.title("Loss").x_label("step").y_label("nats per character");
  p.add_series("train", steps, train, plot::Marks::lines);
  p.add_series("validation", val_steps, val);
  p.write(folder / "loss");
}

// Success rate against sequence length for three cells: points on [0, 1].
void success(const std::filesystem::path& folder) {
  const std::vector<double> lengths = {10, 20, 50, 100, 200};
  plot::LinePlot p;
  p.title("Adding problem: success against length").x_label("sequence length").y_label("success");
  p.log_x().y_range(-0.05, 1.05);
  p.add_series("RNN", lengths, std::vector<double>{1, 0.9, 0.3, 0.05, 0}, plot::Marks::points);
  p.add_series("LSTM", lengths, std::vector<double>{1, 1, 1, 0.95, 0.8}, plot::Marks::points);
  p.add_series("GRU", lengths, std::vector<double>{1, 1, 0.98, 0.9, 0.6}, plot::Marks::points);
  p.write(folder / "success");
}

// ρ^d over distance × ρ on a log colour scale; the diverged corner is missing.
void gradient_map(const std::filesystem::path& folder) {
  std::vector<std::string> distances, settings;
  std::vector<std::vector<double>> rows;
  for (int d = 1; d <= 64; d *= 2) distances.push_back(std::to_string(d));
  for (const double rho : {0.25, 0.5, 0.9, 1.0, 1.5}) {
    settings.push_back("ρ = " + std::to_string(rho).substr(0, 4));
    std::vector<double> row;
    for (int d = 1; d <= 64; d *= 2) row.push_back(std::pow(rho, d));
    rows.push_back(row);
  }
  rows[4][6] = INFINITY;
  rows[0][6] = 0;
  plot::Heatmap h;
  h.title("Gradient norm over distance and setting").x_label("distance").y_label("setting");
  h.x_labels(distances).y_labels(settings).colour_label("‖∂L/∂h‖").log_scale().set(rows);
  h.write(folder / "gradient-map");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: plot_gallery FOLDER\n");
    return 2;
  }
  try {
    gradient_flow(argv[1]);
    loss_curve(argv[1]);
    success(argv[1]);
    gradient_map(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "plot_gallery: %s\n", e.what());
    return 1;
  }
  return 0;
}
