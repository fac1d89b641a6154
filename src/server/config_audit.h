// The configuration's changes between runs, in each region's audit log: a
// DPO sees when access or data handling was configured otherwise.
#ifndef CONFIDE_SERVER_CONFIG_AUDIT_H_
#define CONFIDE_SERVER_CONFIG_AUDIT_H_

#include <string>

#include "cell/cell.h"
#include "core/config.h"

namespace confide {

// A digest of everything in the configuration that governs access and
// data handling (regions, keys, the experiment, limits, retention).
std::string ConfigFingerprint(const Config& c);

// Audits a configuration whose fingerprint differs from the last one
// the region was served under, and keeps the new one.
Status AuditConfigChange(Cell& cell, const std::string& fingerprint);

}  // namespace confide

#endif  // CONFIDE_SERVER_CONFIG_AUDIT_H_
