// Normalizer: the "prep" scaling of features, fitted on the training data only and then applied
// unchanged to every other split (and, later, to rows served in production).
//
//   Unit         one global range over all features: x -> (x - min) / (max - min), into [0, 1]
//                (images: every pixel shares the 0..255 range)
//   MinMax       the same per feature
//   Standardize  per feature: x -> (x - mean) / std
// A constant feature (zero range or deviation) is only shifted, never divided by zero.
#pragma once

#include "data/dataset.h"

#include <string>
#include <vector>

namespace ts::data {

enum class ScaleKind { None, Unit, MinMax, Standardize };

// "none", "unit", "min-max", "standardize": the spellings of the pipeline spec.
std::string toString(ScaleKind kind);

class Normalizer
{
public:
    static Normalizer fit(const Dataset& train, ScaleKind kind);

    ScaleKind kind() const { return m_kind; }
    // x' = (x - offset[j]) * factor[j]; one entry for a global scale, else one per feature.
    const std::vector<float>& offsets() const { return m_offsets; }
    const std::vector<float>& factors() const { return m_factors; }

    void apply(Dataset& data) const;

private:
    ScaleKind m_kind = ScaleKind::None;
    std::vector<float> m_offsets;
    std::vector<float> m_factors;
};

} // namespace ts::data
