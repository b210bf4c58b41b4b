#include "nn/checkpoint.h"

#include "common/assert.h"
#include "nn/sequential.h"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/basic_archive.hpp> // for BOOST_ARCHIVE_SIGNATURE
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/array_wrapper.hpp> // for make_array
#include <boost/serialization/tracking.hpp>      // for BOOST_CLASS_TRACKING
#include <boost/serialization/version.hpp>       // for BOOST_CLASS_VERSION
#include <sodium.h>                              // for crypto_hash_sha256

#include <dirent.h> // for opendir, dirfd
#include <unistd.h> // for fsync

#include <array> // for the read buffer
#include <bit>   // for std::endian
#include <cerrno>
#include <cstdio>
#include <cstring>    // for std::strerror, std::memcpy, std::memcmp
#include <filesystem> // for parent_path
#include <map>
#include <memory>    // for unique_ptr
#include <sstream>   // for std::stringbuf
#include <stdexcept> // for std::runtime_error
#include <string_view>
#include <type_traits>

// The struct versions this build writes and the newest it reads: version 0 of both is format 1's
// payload. Neither is saved through a pointer, so Boost need not track addresses.
BOOST_CLASS_VERSION(ts::nn::NamedTensor, 0)
BOOST_CLASS_VERSION(ts::nn::CheckpointState, 0)
BOOST_CLASS_TRACKING(ts::nn::NamedTensor, boost::serialization::track_never)
BOOST_CLASS_TRACKING(ts::nn::CheckpointState, boost::serialization::track_never)

namespace ts::nn {

using Counter = std::pair<std::string, uint64_t>;

// The payload. Strings and vectors are written as a uint64 count followed by their elements, by our
// own code rather than Boost's container support: Boost resizes to whatever count it reads, so a
// damaged count could ask for terabytes. Every count is charged against the payload size first.

namespace {

// Each input archive keeps, in its helper collection under this address, how many payload bytes
// the counts read so far may still claim (a uint64_t).
char kBudgetKey;

struct NewerVersion : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

// Boost 1.74 no longer refuses a class version newer than the program's, so serialize() does.
template <typename T> void checkVersion(const char* type, unsigned version)
{
    constexpr unsigned known = boost::serialization::version<T>::value;
    if (version > known)
        throw NewerVersion(std::string(type) + " version " + std::to_string(version)
                           + " is newer than this TrainStudio supports (" + std::to_string(known)
                           + ")");
}

// `ar & value`, which clang-format would misread as a reference declaration.
template <typename Archive, typename... T> void fields(Archive& ar, T&... values)
{
    if constexpr (Archive::is_loading::value)
        (ar >> ... >> values);
    else
        (ar << ... << values);
}

// The fewest payload bytes one element occupies, apart from the elements of its own sequences
// (which are charged when they are read).
template <typename T> constexpr uint64_t kMinBytes = sizeof(T);
template <> constexpr uint64_t kMinBytes<NamedTensor> = 3 * sizeof(uint64_t); // three counts
template <> constexpr uint64_t kMinBytes<Counter> = 2 * sizeof(uint64_t);     // count, value

template <typename Archive, typename Seq> void sequence(Archive& ar, Seq& seq)
{
    using Element = typename Seq::value_type;
    uint64_t count = seq.size();
    fields(ar, count);
    if constexpr (Archive::is_loading::value) {
        auto& bytesLeft = ar.template get_helper<uint64_t>(&kBudgetKey);
        if (count > bytesLeft / kMinBytes<Element>)
            throw std::length_error("a count of " + std::to_string(count)
                                    + " elements exceeds the payload");
        bytesLeft -= count * kMinBytes<Element>;
        seq.resize(count);
    }
    if constexpr (std::is_arithmetic_v<Element>) {
        auto array = boost::serialization::make_array(seq.data(), count);
        if (count > 0)
            fields(ar, array);
    } else {
        for (Element& element : seq) {
            if constexpr (std::is_same_v<Element, Counter>) {
                sequence(ar, element.first);
                fields(ar, element.second);
            } else {
                fields(ar, element); // a NamedTensor, through Boost for its class version
            }
        }
    }
}

} // namespace

// Found by Boost through argument-dependent lookup, hence outside the anonymous namespace.
template <typename Archive> void serialize(Archive& ar, NamedTensor& tensor, unsigned version)
{
    checkVersion<NamedTensor>("NamedTensor", version);
    sequence(ar, tensor.name);
    sequence(ar, tensor.shape);
    sequence(ar, tensor.values);
}

template <typename Archive> void serialize(Archive& ar, CheckpointState& state, unsigned version)
{
    checkVersion<CheckpointState>("CheckpointState", version);
    sequence(ar, state.modelSpec);
    sequence(ar, state.parameters);
    sequence(ar, state.buffers);
    sequence(ar, state.optimizerState);
    sequence(ar, state.optimizerType);
    fields(ar, state.optimizerStep, state.globalStep, state.epoch, state.batchInEpoch, state.seed);
    sequence(ar, state.counters);
}

namespace {

using common::Error;
using common::ErrorKind;

constexpr std::string_view kMagic { "TSCKPT\x1a\n", 8 };
constexpr size_t kVersionOffset = 8;
constexpr size_t kSizeOffset = 12;
constexpr size_t kHashOffset = 20;
constexpr size_t kHeaderSize = kHashOffset + crypto_hash_sha256_BYTES; // 52

// The 32 raw bytes of the SHA-256 of `bytes`.
std::string sha256(std::string_view bytes)
{
    // Lets libsodium pick CPU-specific code; idempotent. SHA-256 works even if it fails.
    [[maybe_unused]] static const int ready = sodium_init();
    std::string hash(crypto_hash_sha256_BYTES, '\0');
    crypto_hash_sha256(reinterpret_cast<unsigned char*>(hash.data()),
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    return hash;
}

// Header integers are little-endian; so are the payload's, which Boost writes natively.
static_assert(std::endian::native == std::endian::little, "checkpoints need a little-endian host");

std::string makeHeader(std::string_view payload)
{
    std::string header(kHeaderSize, '\0');
    header.replace(0, kMagic.size(), kMagic);
    const uint64_t size = payload.size();
    std::memcpy(header.data() + kVersionOffset, &kCheckpointFormat, sizeof kCheckpointFormat);
    std::memcpy(header.data() + kSizeOffset, &size, sizeof size);
    header.replace(kHashOffset, crypto_hash_sha256_BYTES, sha256(payload));
    return header;
}

// Checks everything but Boost's decoding; on success `file` minus the header is a payload that
// this program wrote.
common::Result checkFile(const std::string& path, std::string_view file)
{
    const std::string_view start = file.substr(0, kMagic.size());
    if (start != kMagic.substr(0, start.size()))
        return Error(ErrorKind::Corrupt, path + ": not a TrainStudio checkpoint");
    if (file.size() < kHeaderSize)
        return Error(ErrorKind::Corrupt,
                     path + ": truncated: a checkpoint header has " + std::to_string(kHeaderSize)
                             + " bytes, file holds " + std::to_string(file.size()));
    uint32_t format = 0;
    std::memcpy(&format, file.data() + kVersionOffset, sizeof format);
    if (format == 0)
        return Error(ErrorKind::Corrupt, path + ": checkpoint format 0 does not exist");
    if (format > kCheckpointFormat)
        return Error(ErrorKind::Unsupported,
                     path + ": checkpoint format " + std::to_string(format)
                             + " is newer than this TrainStudio supports ("
                             + std::to_string(kCheckpointFormat) + "); update TrainStudio");
    uint64_t declared = 0;
    std::memcpy(&declared, file.data() + kSizeOffset, sizeof declared);
    const uint64_t held = file.size() - kHeaderSize;
    if (declared != held)
        return Error(ErrorKind::Corrupt,
                     path + (declared > held ? ": truncated" : ": trailing data")
                             + ": header declares " + std::to_string(declared)
                             + " payload bytes, file holds " + std::to_string(held));
    if (file.substr(kHashOffset, crypto_hash_sha256_BYTES) != sha256(file.substr(kHeaderSize)))
        return Error(ErrorKind::Corrupt, path + ": checksum mismatch: the file is corrupt");
    return {};
}

// Owners of the C handles. The fclose that matters, after writing, is checked in writeSynced.
struct FileCloser
{
    void operator()(std::FILE* file) const { std::fclose(file); }
};
struct FolderCloser
{
    void operator()(DIR* folder) const { ::closedir(folder); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;
using FolderPtr = std::unique_ptr<DIR, FolderCloser>;

Error osError(const std::string& path, const std::string& what)
{
    return Error(ErrorKind::Io, path + ": " + what + ": " + std::strerror(errno));
}

// Writes header + payload to `path` and forces them to disk; removes the file on failure.
common::Result writeSynced(const std::string& path, std::string_view header,
                           std::string_view payload)
{
    FilePtr file(std::fopen(path.c_str(), "wbe")); // e: O_CLOEXEC
    if (!file)
        return osError(path, "cannot create");
    const bool written = std::fwrite(header.data(), 1, header.size(), file.get()) == header.size()
            && std::fwrite(payload.data(), 1, payload.size(), file.get()) == payload.size()
            && std::fflush(file.get()) == 0 && ::fsync(::fileno(file.get())) == 0;
    // NFS and some disks report write errors only when the file is closed.
    if (written && std::fclose(file.release()) == 0)
        return {};
    Error error = osError(path, "cannot write");
    file.reset();
    ::unlink(path.c_str());
    return error;
}

// Makes a rename in the folder of `path` durable.
common::Result syncFolder(const std::string& path)
{
    const std::string folder = std::filesystem::path(path).parent_path().string();
    FolderPtr dir(::opendir(folder.empty() ? "." : folder.c_str()));
    if (!dir)
        return osError(path, "cannot open its folder to flush the rename");
    // Some file systems cannot fsync a folder (EINVAL); they have nothing to flush.
    if (::fsync(::dirfd(dir.get())) != 0 && errno != EINVAL)
        return osError(path, "cannot flush its folder to disk");
    return {};
}

common::Expected<std::string> readAll(const std::string& path)
{
    FilePtr file(std::fopen(path.c_str(), "rbe"));
    if (!file && errno == ENOENT)
        return Error(ErrorKind::NotFound, path + ": no such checkpoint");
    if (!file)
        return osError(path, "cannot open");
    std::string bytes;
    std::array<char, 1 << 16> chunk;
    while (const size_t n = std::fread(chunk.data(), 1, chunk.size(), file.get()))
        bytes.append(chunk.data(), n);
    if (std::ferror(file.get()))
        return osError(path, "cannot read");
    return bytes;
}

// Lets Boost read the verified payload in place (std::ispanstream arrives with C++23).
struct MemoryBuffer final : std::streambuf
{
    MemoryBuffer(char* data, size_t size) { setg(data, data, data + size); }
};

// Boost 1.74 reads its archive signature as a string of whatever length the first 8 bytes give
// (its bounded read is disabled upstream, Boost ticket 7301), so the signature is compared here
// before Boost could allocate for a damaged length.
bool startsWithBoostSignature(std::string_view payload)
{
    const std::string_view signature = boost::archive::BOOST_ARCHIVE_SIGNATURE();
    const std::size_t length = signature.size(); // Boost writes it as a native size_t
    return payload.size() > sizeof length
            && std::memcmp(payload.data(), &length, sizeof length) == 0
            && payload.substr(sizeof length, length) == signature;
}

common::Expected<CheckpointState> decode(const std::string& path, char* payload, size_t size)
{
    using boost::archive::archive_exception;
    if (!startsWithBoostSignature({ payload, size }))
        return Error(ErrorKind::Corrupt, path + ": cannot decode the payload: not a Boost archive");
    try {
        MemoryBuffer buffer(payload, size);
        boost::archive::binary_iarchive archive(buffer);
        archive.get_helper<uint64_t>(&kBudgetKey) = size;
        CheckpointState state;
        archive >> state;
        return state;
    } catch (const NewerVersion& e) {
        return Error(ErrorKind::Unsupported, path + ": " + e.what() + "; update TrainStudio");
    } catch (const archive_exception& e) {
        // unsupported_version: the archive comes from a newer Boost than this build's.
        const bool newer = e.code == archive_exception::unsupported_version;
        return Error(newer ? ErrorKind::Unsupported : ErrorKind::Corrupt,
                     path + ": cannot decode the payload: " + e.what());
    } catch (const std::exception& e) {
        return Error(ErrorKind::Corrupt, path + ": cannot decode the payload: " + e.what());
    } catch (...) {
        return Error(ErrorKind::Corrupt, path + ": cannot decode the payload");
    }
}

} // namespace

common::Result saveCheckpoint(const std::string& path, const CheckpointState& state)
{
    std::string payload;
    try {
        std::stringbuf buffer;
        {
            boost::archive::binary_oarchive archive(buffer);
            archive << state;
        } // the archive flushes when it closes
        payload = std::move(buffer).str();
    } catch (const std::exception& e) {
        return Error(ErrorKind::Internal, path + ": cannot serialise the checkpoint: " + e.what());
    }
    const std::string temporary = path + ".tmp";
    TS_TRY(writeSynced(temporary, makeHeader(payload), payload));
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        Error error = osError(path, "cannot replace with " + temporary);
        ::unlink(temporary.c_str());
        return error;
    }
    return syncFolder(path);
}

common::Expected<CheckpointState> loadCheckpoint(const std::string& path)
{
    auto file = readAll(path);
    if (!file)
        return std::move(file).error();
    TS_TRY(checkFile(path, *file));
    return decode(path, file->data() + kHeaderSize, file->size() - kHeaderSize);
}

std::vector<NamedTensor> captureTensors(const TensorRefs& tensors)
{
    std::vector<NamedTensor> saved;
    saved.reserve(tensors.size());
    for (const auto& [name, tensor] : tensors) {
        TS_ASSERT(tensor != nullptr && !tensor->empty());
        saved.push_back({ name, tensor->shape(), tensor->toHost() });
    }
    return saved;
}

common::Result restoreTensors(const std::vector<NamedTensor>& saved, const TensorRefs& into)
{
    std::map<std::string_view, const NamedTensor*> byName;
    for (const NamedTensor& t : saved) {
        if (!byName.emplace(t.name, &t).second)
            return Error(ErrorKind::InvalidInput, "checkpoint holds tensor '" + t.name + "' twice");
        if (static_cast<int64_t>(t.values.size()) != tensor::elementCount(t.shape))
            return Error(ErrorKind::Corrupt,
                         "checkpoint tensor '" + t.name + "' has shape " + tensor::toString(t.shape)
                                 + " but " + std::to_string(t.values.size()) + " values");
    }
    // Everything is checked before the first upload, so a mismatch leaves the model untouched.
    auto unmatched = byName;
    for (const auto& [name, tensor] : into) {
        const auto found = byName.find(name);
        if (found == byName.end())
            return Error(ErrorKind::InvalidInput, "checkpoint has no tensor '" + name + "'");
        if (found->second->shape != tensor->shape())
            return Error(ErrorKind::InvalidInput,
                         "'" + name + "' has shape " + tensor::toString(found->second->shape)
                                 + " in the checkpoint but " + tensor::toString(tensor->shape())
                                 + " in the model");
        unmatched.erase(name);
    }
    if (!unmatched.empty())
        return Error(ErrorKind::InvalidInput,
                     "checkpoint tensor '" + unmatched.begin()->second->name
                             + "' has no counterpart in the model");
    for (const auto& [name, tensor] : into)
        tensor->upload(byName.at(name)->values);
    return {};
}

TensorRefs parametersOf(const Sequential& model)
{
    TensorRefs tensors;
    for (Parameter* p : model.parameters())
        tensors.emplace_back(p->name, &p->value);
    return tensors;
}

} // namespace ts::nn
