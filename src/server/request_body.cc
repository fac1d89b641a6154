#include "server/request_body.h"

#include <zlib.h>

#include <algorithm>
#include <array>

#include "core/ascii.h"
#include "server/http_error.h"

namespace confide {
namespace {

// The header's value up to any parameters, trimmed and in lower case.
std::string MediaType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return AsciiLower(value);
}

Result<std::string> Inflate(std::string_view gzip, uint64_t limit, std::string_view limit_field) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status(Code::kInternal, "zlib could not start");
  struct End {
    z_stream& z;
    ~End() { inflateEnd(&z); }
  } end{z};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzip.data()));
  z.avail_in = static_cast<uInt>(gzip.size());
  std::string out;
  std::array<char, 64 * 1024> chunk;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END)
      return InvalidArgument("Content-Encoding", "the body is not a valid gzip stream");
    const size_t produced = chunk.size() - z.avail_out;
    if (out.size() + produced > limit)
      return Status(Code::kResourceExhausted,
                    "the body inflates to more than " + std::to_string(limit) + " bytes (" +
                        std::string(limit_field) + ")",
                    std::string(limit_field));
    out.append(chunk.data(), produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0)
      return InvalidArgument("Content-Encoding", "the gzip stream ends early");
  }
  if (z.avail_in != 0) return InvalidArgument("Content-Encoding", "the body has data after its gzip stream");
  return out;
}

}  // namespace

std::optional<HttpResponse> UnsupportedContentType(const HttpRequest& request) {
  const std::string_view header = request.Header("content-type");
  if (request.body.empty() || header.empty()) return std::nullopt;
  const std::string type = MediaType(header);
  for (const char* json : {"application/json", "application/x-ndjson", "application/ndjson", "application/jsonl",
                           "application/merge-patch+json"})
    if (type == json) return std::nullopt;
  return ErrorResponse(415, "unsupported_media_type",
                       "the body must be JSON or NDJSON (Content-Type application/json or application/x-ndjson), not " +
                           (type.empty() ? std::string("an empty type") : type),
                       "Content-Type");
}

std::optional<HttpResponse> DecodeBody(const HttpRequest& request, uint64_t limit, std::string_view limit_field,
                                       std::optional<std::string>& body) {
  const std::string encoding = MediaType(request.Header("content-encoding"));
  if (encoding.empty() || encoding == "identity") return std::nullopt;
  if (encoding != "gzip")
    return ErrorResponse(415, "unsupported_media_type", "Content-Encoding: only gzip is accepted, not " + encoding,
                         "Content-Encoding");
  auto inflated = Inflate(request.body, limit, limit_field);
  if (!inflated.ok()) return ErrorResponse(inflated.status());
  body = std::move(*inflated);
  return std::nullopt;
}

}  // namespace confide
