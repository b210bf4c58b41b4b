#include "cluster/data_roots.h"

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

common::Result checkPipelinePaths(const pipeline::PipelineSpec& spec,
                                  const std::vector<std::string>& roots)
{
    const pipeline::SourceSpec& source = spec.source;
    const std::pair<const char*, const std::string*> files[] = {
        { "stages.source.train.images", &source.train.images },
        { "stages.source.train.labels", &source.train.labels },
        { "stages.source.test.images", &source.test.images },
        { "stages.source.test.labels", &source.test.labels },
    };
    for (const auto& [field, path] : files) {
        if (path->empty())
            continue;
        if (auto confined = confineToRoots(*path, roots); !confined) {
            std::string name = field;
            if (source.format == pipeline::SourceFormat::Csv) // CSV keeps its file in "images"
                name.replace(name.find(".images"), 7, ".file");
            return std::move(confined).error().wrap(
                    spec.origin.empty() ? name : spec.origin + ": " + name);
        }
    }
    return {};
}

} // namespace ts::cluster
