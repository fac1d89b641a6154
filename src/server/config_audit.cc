#include "server/config_audit.h"

#include <sodium.h>

#include "core/bytes.h"

namespace confide {

std::string ConfigFingerprint(const Config& c) {
  std::string text = "listen=" + c.listen + ";tcf=" + std::to_string(c.tcf_vendor_id);
  for (const auto& r : c.regions)
    text += ";region=" + r.id + "," + LegalBasisName(r.legal_basis) + "," + r.currency + "," + r.endpoint;
  for (const auto& h : c.hosted_regions) text += ";hosted=" + h;
  for (const auto& k : c.api_keys) {
    text += ";key=" + k.id + "," + k.hash;
    for (const auto& s : k.scopes) text += ",s:" + s;
    for (const auto& r : k.regions) text += ",r:" + r;
  }
  if (const auto& e = c.experiment) {
    text += ";experiment=" + e->name + "," + std::to_string(e->attribution_days);
    for (const auto& v : e->variants) text += "," + v.name + "=" + std::to_string(v.basis_points);
    text += ",guardrail=" + std::to_string(e->guardrail_days) + "," + std::to_string(e->guardrail_window_days) + "," +
            std::to_string(e->guardrail_rho);
    // Only when changed: the configurations before the bound keep their fingerprint.
    if (e->max_revenue_per_shopper != ExperimentConfig().max_revenue_per_shopper)
      text += ",max_revenue=" + std::to_string(e->max_revenue_per_shopper);
  }
  const Limits& l = c.limits;
  for (uint64_t v : {l.max_body_bytes, l.max_header_bytes, uint64_t{l.max_batch_events}, uint64_t{l.max_json_depth},
                     uint64_t{l.header_timeout_ms}, uint64_t{l.body_timeout_ms},
                     uint64_t{l.requests_per_second_per_key}, uint64_t{l.burst_per_key},
                     uint64_t{c.retention.browsing_days}, uint64_t{c.retention.purchases_days},
                     uint64_t{c.retention.location_days}, uint64_t{c.retention.interval_minutes},
                     uint64_t{c.retention.erasure_rekey_seconds}})
    text += ";" + std::to_string(v);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                     0);
  return HexEncode(std::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

Status AuditConfigChange(Cell& cell, const std::string& fingerprint) {
  auto last = cell.store().Get(Family::kMeta, "config_fingerprint");
  if (!last.ok()) return last.status();
  if (last->has_value() && **last == fingerprint) return {};
  auto entry = cell.audit().Append(AuditAction::kConfigChange, "config", "", "",
                                   "configuration fingerprint " + fingerprint, cell.clock().Now());
  if (!entry.ok()) return entry.status();
  WriteBatch b;
  b.Put(Family::kMeta, "config_fingerprint", fingerprint);
  return cell.store().Write(b);
}

}  // namespace confide
