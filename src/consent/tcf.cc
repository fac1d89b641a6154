// TC string decoder. Reads bits straight from the base64url text (6 bits a
// character) so decoding needs no intermediate buffer; the only allocations
// are the vendor range vectors and the two-letter strings (SSO).
#include "consent/tcf.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>

namespace confide {
namespace {

constexpr std::array<int8_t, 256> MakeBase64UrlTable() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  const char* dict = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(dict[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kBase64Url = MakeBase64UrlTable();

// Mirrors the 64 bits of x (bit 0 <-> bit 63): the wire puts id 1 first.
constexpr uint64_t ReverseBits(uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ull) | ((x & 0x5555555555555555ull) << 1);
  x = ((x >> 2) & 0x3333333333333333ull) | ((x & 0x3333333333333333ull) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((x & 0x0F0F0F0F0F0F0F0Full) << 4);
  x = ((x >> 8) & 0x00FF00FF00FF00FFull) | ((x & 0x00FF00FF00FF00FFull) << 8);
  x = ((x >> 16) & 0x0000FFFF0000FFFFull) | ((x & 0x0000FFFF0000FFFFull) << 16);
  return (x >> 32) | (x << 32);
}
static_assert(ReverseBits(1) == uint64_t{1} << 63);

// Reads big-endian bit fields from one validated base64url segment,
// refilling a 64-bit accumulator six bits (one character) at a time.
class BitReader {
 public:
  explicit BitReader(std::string_view segment) : text_(segment), size_bits_(segment.size() * 6) {}

  size_t position() const { return pos_; }
  size_t size() const { return size_bits_; }
  bool CanRead(size_t n) const { return n <= size_bits_ - pos_; }

  // Reads n <= 36 bits; the caller checked CanRead(n).
  uint64_t Read(int n) {
    while (held_ < n) {
      acc_ = (acc_ << 6) | static_cast<uint64_t>(kBase64Url[static_cast<unsigned char>(text_[next_char_++])]);
      held_ += 6;
    }
    held_ -= n;
    pos_ += n;
    return (acc_ >> held_) & ((uint64_t{1} << n) - 1);
  }

 private:
  std::string_view text_;
  size_t size_bits_;
  size_t pos_ = 0;         // bits consumed
  size_t next_char_ = 0;   // next character to load
  uint64_t acc_ = 0;       // the low `held_` bits are unread
  int held_ = 0;
};

// Decoding state for one segment: the reader plus the segment's name for
// error messages. Field names come in two parts (prefix, suffix) that are
// joined only when an error is reported, so decoding never builds strings.
struct SegmentDecoder {
  BitReader reader;
  std::string_view segment_name;

  std::string Name(std::string_view prefix, std::string_view suffix) const {
    std::string name(segment_name);
    name += '.';
    name += prefix;
    name += suffix;
    return name;
  }

  Status Truncated(std::string_view prefix, std::string_view suffix, size_t need) const {
    return InvalidArgument(Name(prefix, suffix), "segment truncated at bit " + std::to_string(reader.position() + need) +
                                                     " of " + std::to_string(reader.size()));
  }

  Status Read(std::string_view prefix, std::string_view suffix, int bits, uint64_t& out) {
    if (!reader.CanRead(bits)) return Truncated(prefix, suffix, bits);
    out = reader.Read(bits);
    return Status::Ok();
  }
  Status Read(std::string_view field, int bits, uint64_t& out) { return Read(field, {}, bits, out); }

  // Reads an n-bit field where the first bit is id 1; stores id N in bit N-1.
  Status ReadIdBits(std::string_view field, int bits, uint64_t& out) {
    if (!reader.CanRead(bits)) return Truncated(field, {}, bits);
    out = 0;
    for (int i = 0; i < bits; i += 32) {
      int n = std::min(32, bits - i);
      out |= (ReverseBits(reader.Read(n)) >> (64 - n)) << i;
    }
    return Status::Ok();
  }

  Status ReadLetters(std::string_view field, std::string& out) {
    uint64_t raw = 0;
    CONFIDE_RETURN_IF_ERROR(Read(field, 12, raw));
    unsigned first = static_cast<unsigned>(raw >> 6), second = static_cast<unsigned>(raw & 63);
    if (first > 25 || second > 25)
      return InvalidArgument(Name(field, {}), "letters " + std::to_string(first) + "," + std::to_string(second) +
                                                  " are not two letters A-Z (0-25)");
    out.assign({static_cast<char>('A' + first), static_cast<char>('A' + second)});
    return Status::Ok();
  }
};

// Sorts ranges by first id and merges overlapping or adjacent ones.
void SortAndMerge(std::vector<TcfIdRange>& ranges) {
  if (ranges.size() < 2) return;
  bool sorted = true;
  for (size_t i = 1; i < ranges.size() && sorted; ++i)
    if (ranges[i].first <= ranges[i - 1].last + 1) sorted = false;
  if (sorted) return;
  std::sort(ranges.begin(), ranges.end(), [](const TcfIdRange& a, const TcfIdRange& b) { return a.first < b.first; });
  size_t out = 0;
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first <= static_cast<uint32_t>(ranges[out].last) + 1) {
      ranges[out].last = std::max(ranges[out].last, ranges[i].last);
    } else {
      ranges[++out] = ranges[i];
    }
  }
  ranges.resize(out + 1);
}

// Reads NumEntries then that many {IsARange, StartOrOnlyVendorId[, EndVendorId]}
// entries. Without `check_max` (publisher restrictions) ids are not bounded.
Status ReadRangeEntries(SegmentDecoder& d, std::string_view field, bool check_max, uint32_t max_id,
                        TcfIdSet& out) {
  uint64_t num_entries = 0;
  CONFIDE_RETURN_IF_ERROR(d.Read(field, ".num_entries", 12, num_entries));
  // Every entry takes at least 17 bits: reject impossible counts before reserving.
  if (!d.reader.CanRead(num_entries * 17)) return d.Truncated(field, ".num_entries", num_entries * 17);
  out.ranges.reserve(num_entries);
  for (uint64_t i = 0; i < num_entries; ++i) {
    auto name = [&] { return d.Name(field, ".range[" + std::to_string(i) + "]"); };
    if (!d.reader.CanRead(17))
      return InvalidArgument(name(), "segment truncated at bit " + std::to_string(d.reader.position() + 17) + " of " +
                                         std::to_string(d.reader.size()));
    uint64_t is_range = d.reader.Read(1);
    uint64_t start = d.reader.Read(16);
    uint64_t end = start;
    if (is_range) {
      if (!d.reader.CanRead(16))
        return InvalidArgument(name(), "segment truncated at bit " + std::to_string(d.reader.position() + 16) +
                                           " of " + std::to_string(d.reader.size()));
      end = d.reader.Read(16);
    }
    if (start == 0) return InvalidArgument(name(), "vendor id 0 is not valid");
    if (start > end)
      return InvalidArgument(name(), "range start " + std::to_string(start) + " after end " + std::to_string(end));
    if (check_max && end > max_id)
      return InvalidArgument(name(), (is_range ? "range end " : "vendor id ") + std::to_string(end) +
                                         " past max vendor id " + std::to_string(max_id));
    out.ranges.push_back({static_cast<uint16_t>(start), static_cast<uint16_t>(end)});
  }
  SortAndMerge(out.ranges);
  return Status::Ok();
}

// Reads a bit field of `max_id` bits (bit i is vendor i+1) into ranges,
// a run of equal bits at a time.
Status ReadVendorBitField(SegmentDecoder& d, std::string_view field, uint32_t max_id, TcfIdSet& out) {
  if (!d.reader.CanRead(max_id)) return d.Truncated(field, ".bit_field", max_id);
  out.ranges.reserve(max_id / 8 + 4);
  uint32_t id = 1;
  bool open = false;  // the last range is still growing
  while (id <= max_id) {
    int chunk = static_cast<int>(std::min<uint32_t>(32, max_id - id + 1));
    // Left-align the chunk so runs can be counted with countl_zero/countl_one.
    uint32_t bits = static_cast<uint32_t>(d.reader.Read(chunk)) << (32 - chunk);
    int left = chunk;
    while (left > 0) {
      int run = open ? std::countl_one(bits) : std::countl_zero(bits);
      run = std::min(run, left);
      if (open) {
        out.ranges.back().last = static_cast<uint16_t>(id + run - 1);
      }
      id += run;
      left -= run;
      bits = run == 32 ? 0 : bits << run;
      if (left > 0) {
        // The run ended inside this chunk: the next bit flips the state.
        if (!open) out.ranges.push_back({static_cast<uint16_t>(id), static_cast<uint16_t>(id)});
        open = !open;
      }
    }
  }
  return Status::Ok();
}

Status ReadVendorSection(SegmentDecoder& d, std::string_view field, TcfVendorSection& out) {
  uint64_t max_id = 0, is_range = 0;
  CONFIDE_RETURN_IF_ERROR(d.Read(field, ".max_vendor_id", 16, max_id));
  CONFIDE_RETURN_IF_ERROR(d.Read(field, ".is_range_encoding", 1, is_range));
  out.max_vendor_id = static_cast<uint16_t>(max_id);
  out.is_range_encoding = is_range != 0;
  if (out.is_range_encoding) return ReadRangeEntries(d, field, true, static_cast<uint32_t>(max_id), out.vendors);
  return ReadVendorBitField(d, field, static_cast<uint32_t>(max_id), out.vendors);
}

Status ReadCore(SegmentDecoder& d, TcString& tc) {
  uint64_t v = 0;
  CONFIDE_RETURN_IF_ERROR(d.Read("version", 6, v));
  tc.version = static_cast<int>(v);
  if (tc.version != 2)
    return InvalidArgument("core.version", "version " + std::to_string(tc.version) +
                                               " is not supported; only TCF v2 strings decode");
  CONFIDE_RETURN_IF_ERROR(d.Read("created", 36, v));
  tc.created = static_cast<Micros>(v) * 100'000;
  CONFIDE_RETURN_IF_ERROR(d.Read("last_updated", 36, v));
  tc.last_updated = static_cast<Micros>(v) * 100'000;
  CONFIDE_RETURN_IF_ERROR(d.Read("cmp_id", 12, v));
  tc.cmp_id = static_cast<uint16_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("cmp_version", 12, v));
  tc.cmp_version = static_cast<uint16_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("consent_screen", 6, v));
  tc.consent_screen = static_cast<uint8_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.ReadLetters("consent_language", tc.consent_language));
  CONFIDE_RETURN_IF_ERROR(d.Read("vendor_list_version", 12, v));
  tc.vendor_list_version = static_cast<uint16_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("tcf_policy_version", 6, v));
  tc.tcf_policy_version = static_cast<uint8_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("is_service_specific", 1, v));
  tc.is_service_specific = v != 0;
  CONFIDE_RETURN_IF_ERROR(d.Read("use_non_standard_texts", 1, v));
  tc.use_non_standard_texts = v != 0;
  CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("special_feature_optins", 12, v));
  tc.special_feature_optins = static_cast<uint16_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("purpose_consents", 24, v));
  tc.purpose_consents = static_cast<uint32_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("purpose_legitimate_interests", 24, v));
  tc.purpose_legitimate_interests = static_cast<uint32_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("purpose_one_treatment", 1, v));
  tc.purpose_one_treatment = v != 0;
  CONFIDE_RETURN_IF_ERROR(d.ReadLetters("publisher_cc", tc.publisher_cc));
  CONFIDE_RETURN_IF_ERROR(ReadVendorSection(d, "vendor_consents", tc.vendor_consents));
  CONFIDE_RETURN_IF_ERROR(ReadVendorSection(d, "vendor_legitimate_interests", tc.vendor_legitimate_interests));
  uint64_t num_restrictions = 0;
  CONFIDE_RETURN_IF_ERROR(d.Read("publisher_restrictions.num_pub_restrictions", 12, num_restrictions));
  // Each restriction takes at least 20 bits: reject impossible counts before reserving.
  if (!d.reader.CanRead(num_restrictions * 20))
    return d.Truncated("publisher_restrictions.num_pub_restrictions", {}, num_restrictions * 20);
  tc.publisher_restrictions.resize(num_restrictions);
  for (uint64_t i = 0; i < num_restrictions; ++i) {
    // "publisher_restrictions[i]" without a heap allocation.
    char buffer[48];
    int length = std::snprintf(buffer, sizeof buffer, "publisher_restrictions[%u]", static_cast<unsigned>(i));
    std::string_view field(buffer, static_cast<size_t>(length));
    auto& r = tc.publisher_restrictions[i];
    CONFIDE_RETURN_IF_ERROR(d.Read(field, ".purpose_id", 6, v));
    r.purpose_id = static_cast<uint8_t>(v);
    CONFIDE_RETURN_IF_ERROR(d.Read(field, ".restriction_type", 2, v));
    r.restriction_type = static_cast<uint8_t>(v);
    CONFIDE_RETURN_IF_ERROR(ReadRangeEntries(d, field, false, 0, r.vendors));
  }
  return Status::Ok();
}

Status ReadPublisherTc(SegmentDecoder& d, TcfPublisherTc& out) {
  uint64_t v = 0;
  CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("purposes_consents", 24, v));
  out.purposes_consents = static_cast<uint32_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("purposes_legitimate_interests", 24, v));
  out.purposes_legitimate_interests = static_cast<uint32_t>(v);
  CONFIDE_RETURN_IF_ERROR(d.Read("num_custom_purposes", 6, v));
  out.num_custom_purposes = static_cast<uint8_t>(v);
  int n = out.num_custom_purposes;
  if (n > 0) {
    CONFIDE_RETURN_IF_ERROR(d.ReadIdBits("custom_purposes_consents", n, out.custom_purposes_consents));
    CONFIDE_RETURN_IF_ERROR(
        d.ReadIdBits("custom_purposes_legitimate_interests", n, out.custom_purposes_legitimate_interests));
  }
  return Status::Ok();
}

// Checks that `segment` (starting at `offset` in the whole string) is
// non-empty base64url.
Status CheckBase64Url(std::string_view segment, size_t offset, const std::string& name) {
  if (segment.empty()) return InvalidArgument(name, "empty segment");
  for (size_t i = 0; i < segment.size(); ++i) {
    if (kBase64Url[static_cast<unsigned char>(segment[i])] < 0) {
      unsigned char c = static_cast<unsigned char>(segment[i]);
      std::string shown = (c >= 0x21 && c < 0x7f) ? "'" + std::string(1, static_cast<char>(c)) + "'"
                                                   : "byte " + std::to_string(c);
      return InvalidArgument(name, "not base64url at character " + std::to_string(offset + i) + " (" + shown + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

bool TcfIdSet::Contains(uint32_t id) const {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), id,
                             [](uint32_t value, const TcfIdRange& r) { return value < r.first; });
  return it != ranges.begin() && id <= std::prev(it)->last;
}

size_t TcfIdSet::Count() const {
  size_t n = 0;
  for (const auto& r : ranges) n += static_cast<size_t>(r.last) - r.first + 1;
  return n;
}

std::vector<uint32_t> TcfIdSet::Ids() const {
  std::vector<uint32_t> ids;
  ids.reserve(Count());
  for (const auto& r : ranges)
    for (uint32_t id = r.first; id <= r.last; ++id) ids.push_back(id);
  return ids;
}

Result<TcString> DecodeTcString(std::string_view text) {
  if (text.empty()) return InvalidArgument("tc_string", "empty string");
  TcString tc;
  size_t offset = 0;
  bool seen[8] = {};
  for (size_t index = 0;; ++index) {
    size_t dot = text.find('.', offset);
    std::string_view segment = text.substr(offset, dot == std::string_view::npos ? std::string_view::npos : dot - offset);
    std::string name = index == 0 ? "core" : "segment[" + std::to_string(index) + "]";
    CONFIDE_RETURN_IF_ERROR(CheckBase64Url(segment, offset, name));
    if (index == 0) {
      SegmentDecoder d{BitReader(segment), "core"};
      CONFIDE_RETURN_IF_ERROR(ReadCore(d, tc));
    } else {
      BitReader reader(segment);
      int type = static_cast<int>(reader.Read(3));  // a non-empty segment has >= 6 bits
      if (type == 0) return InvalidArgument(name, "a second core segment (segment type 0)");
      if (type > 3) return InvalidArgument(name, "unknown segment type " + std::to_string(type));
      if (seen[type]) return InvalidArgument(name, "segment type " + std::to_string(type) + " appears twice");
      seen[type] = true;
      if (type == 1) {
        SegmentDecoder d{reader, "disclosed_vendors"};
        CONFIDE_RETURN_IF_ERROR(ReadVendorSection(d, "vendors", tc.disclosed_vendors.emplace()));
      } else if (type == 2) {
        SegmentDecoder d{reader, "allowed_vendors"};
        CONFIDE_RETURN_IF_ERROR(ReadVendorSection(d, "vendors", tc.allowed_vendors.emplace()));
      } else {
        SegmentDecoder d{reader, "publisher_tc"};
        CONFIDE_RETURN_IF_ERROR(ReadPublisherTc(d, tc.publisher_tc.emplace()));
      }
    }
    if (dot == std::string_view::npos) break;
    offset = dot + 1;
  }
  return tc;
}

namespace {

// Whether TCF purpose `purpose` is usable for `vendor` under `tc`.
bool PurposeAllowed(const TcString& tc, uint32_t vendor, int purpose) {
  bool consent_path = true, li_path = purpose != 1 && (purpose < 3 || purpose > 6);
  for (const auto& r : tc.publisher_restrictions) {
    if (r.purpose_id != purpose || !r.vendors.Contains(vendor)) continue;
    if (r.restriction_type == 0) return false;
    if (r.restriction_type == 1) li_path = false;
    if (r.restriction_type == 2) consent_path = false;
  }
  if (consent_path && TcfHas(tc.purpose_consents, purpose)) return true;
  return li_path && TcfHas(tc.purpose_legitimate_interests, purpose) &&
         tc.vendor_legitimate_interests.vendors.Contains(vendor);
}

}  // namespace

TcfPurposeGrants MapToConfidePurposes(const TcString& tc, uint32_t retailer_vendor_id) {
  TcfPurposeGrants g;
  if (!tc.vendor_consents.vendors.Contains(retailer_vendor_id)) return g;
  auto allowed = [&](int p) { return PurposeAllowed(tc, retailer_vendor_id, p); };
  g.personalization = allowed(5) && allowed(6);
  g.marketing = allowed(3) && allowed(4);
  g.analytics = allowed(8) && allowed(9);
  g.model_improvement = allowed(10);
  return g;
}

TcfVerdict ValidateTcString(const TcString& tc, uint32_t retailer_vendor_id) {
  TcfVerdict verdict;
  if (tc.version != 2)
    verdict.reasons.push_back("version " + std::to_string(tc.version) + " is not supported; Confide reads TCF v2");
  if (tc.tcf_policy_version < 4)
    verdict.reasons.push_back("tcf_policy_version " + std::to_string(tc.tcf_policy_version) +
                              " predates TCF v2.2; version 4 or later is required");
  if (retailer_vendor_id == 0)
    verdict.reasons.push_back("no retailer vendor id is configured, so no vendor has Confide's consent");
  else if (!tc.vendor_consents.vendors.Contains(retailer_vendor_id))
    verdict.reasons.push_back("the retailer's vendor id " + std::to_string(retailer_vendor_id) +
                              " has no consent in vendor_consents");
  verdict.accepted = verdict.reasons.empty();
  if (verdict.accepted) verdict.purposes = MapToConfidePurposes(tc, retailer_vendor_id);
  return verdict;
}

}  // namespace confide
