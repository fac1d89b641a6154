// Files that hold secrets (a region's root key, its token key): read only
// when they are what they claim to be, written so that no reader ever sees
// half a file and no planted link redirects the write.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace confide {

// The environment variable that may hold a region's secret instead of a
// file: `prefix` + the region id upper-cased, '-' as '_' ("CONFIDE_REGION_KEY_EU").
std::string SecretEnvName(std::string_view prefix, std::string_view region);

// Reads a secret file that must be a regular file (not a symbolic link),
// owned by this process's user and readable by it alone. kNotFound when it
// does not exist; kPermissionDenied naming the path and the fix otherwise;
// kIoError naming the path. The caller wipes the returned text.
Result<std::string> ReadSecretFile(const std::string& path);

// The one line of a secret's text that is not blank or a comment ('#'),
// trimmed; kInvalidArgument "<where>: must hold one <what>" when there are
// several.
Result<std::string_view> OnlySecretLine(std::string_view text, const std::string& where, std::string_view what);

// Replaces `path` with `body` (then wiped), mode 0600, through
// core/atomic_file.h (a temporary created exclusively beside it, never
// through a planted link, in a directory only this user may write).
// Creates the directory (0700) if missing. Errors name the path.
Status WriteSecretFile(const std::string& path, std::string body);

}  // namespace confide
