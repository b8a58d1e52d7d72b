// Scenes as the captioner reads them: pixels, decoder inputs and targets of one fixed length.
#pragma once

#include <vector>

#include "framework/tensor.hpp"
#include "models/image/gray_image.hpp"
#include "models/tasks/scenes.hpp"

namespace unroll::captioner {

// Words of the longest caption ("a large triangle at the bottom right and a large …": 15) plus
// <end>: every batch has T = 16, so the caching allocator sees one shape.
inline constexpr std::size_t kCaptionSteps = 16;

struct CaptionBatch {
  Array<float> pixels;  // [B, 256]: value / maxval
  IndexArray inputs;    // [B, T]: <start> w1 … wn, then <pad>
  IndexArray targets;   // [B, T]: w1 … wn <end>, then <pad> (ignored by the loss)
};

// The pixels of a 16×16 image as one row of values in [0, 1]; ValueError naming the size of
// any other image.
std::vector<float> image_row(const GrayImage& image);

// The batch of `scenes` (not empty); ValueError for a caption past kCaptionSteps − 1 words.
CaptionBatch make_batch(const std::vector<tasks::Scene>& scenes);

// Pixels [B, 256] of `images` (each image_row).
Array<float> pixel_rows(const std::vector<GrayImage>& images);

}  // namespace unroll::captioner
