#include "cluster/data_roots.h"

#include <array>
#include <filesystem>

namespace ts::cluster {
namespace {

namespace fs = std::filesystem;
using common::Error;
using common::ErrorKind;

std::string listed(const std::vector<std::string>& roots)
{
    std::string text;
    for (const auto& root : roots)
        text += (text.empty() ? "" : ", ") + root;
    return text.empty() ? "none configured" : text;
}

// True when `path` is `root` or lies below it (both resolved, so a prefix of path components).
bool isWithin(const fs::path& path, const fs::path& root)
{
    auto p = path.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++p) {
        if (r->empty()) // a trailing separator
            continue;
        if (p == path.end() || *p != *r)
            return false;
    }
    return true;
}

} // namespace

common::Expected<std::string> confineToRoots(const std::string& path,
                                             const std::vector<std::string>& roots)
{
    std::error_code ec;
    // weakly_canonical resolves symlinks of the parts that exist and "..", so neither a link nor
    // a climb can leave a root unseen.
    const fs::path resolved = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec)
        return Error(ErrorKind::InvalidInput, path + ": cannot resolve: " + ec.message());
    for (const std::string& root : roots) {
        const fs::path resolvedRoot = fs::weakly_canonical(fs::absolute(root, ec), ec);
        if (!ec && isWithin(resolved, resolvedRoot))
            return root;
    }
    return Error(ErrorKind::InvalidInput,
                 path + (resolved.string() != path ? " (" + resolved.string() + ")" : "")
                         + " is outside the agent's data roots (" + listed(roots) + ")");
}

namespace {

// The fields of a source that name files, by their names in the pipeline.
std::array<std::pair<std::string, std::string*>, 4> filesOf(pipeline::SourceSpec& source)
{
    // CSV keeps its file in "images".
    const std::string file = source.format == pipeline::SourceFormat::Csv ? "file" : "images";
    return { { { "stages.source.train." + file, &source.train.images },
               { "stages.source.train.labels", &source.train.labels },
               { "stages.source.test." + file, &source.test.images },
               { "stages.source.test.labels", &source.test.labels } } };
}

} // namespace

std::vector<SourceFile> sourceFiles(const pipeline::PipelineSpec& spec)
{
    std::vector<SourceFile> out;
    for (const auto& [field, path] : filesOf(const_cast<pipeline::SourceSpec&>(spec.source)))
        if (!path->empty())
            out.push_back({ field, *path });
    return out;
}

void replaceSourceFile(pipeline::PipelineSpec& spec, const std::string& path,
                       const std::string& replacement)
{
    for (const auto& [field, file] : filesOf(spec.source))
        if (*file == path)
            *file = replacement;
}

common::Result checkPipelinePaths(const pipeline::PipelineSpec& spec,
                                  const std::vector<std::string>& roots)
{
    for (const SourceFile& file : sourceFiles(spec))
        if (auto confined = confineToRoots(file.path, roots); !confined)
            return std::move(confined).error().wrap(
                    spec.origin.empty() ? file.field : spec.origin + ": " + file.field);
    return {};
}

} // namespace ts::cluster
