// Opening a cell, its accessors and the read helpers its parts share.
#include "cell/cell.h"

#include <filesystem>

#include "cell/backup.h"
#include "cell/cell_impl.h"
#include "cell/store_copy.h"
#include "core/bytes.h"
#include "core/log.h"
#include "crypto/secret_file.h"
#include "store/postgresql_store.h"

namespace confide {

ConsentRecord GpcRecord(Micros at, std::string_view user_agent) {
  ConsentRecord record;
  record.timestamp = at;
  record.source = ConsentSource::kGpc;
  record.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
  record.user_agent = user_agent;
  return record;
}

void WipeRegionKeys(RegionKeys& keys) {
  for (auto& [version, kek] : keys.retired_keks) Wipe(kek);
  Wipe(keys.kek);
  Wipe(keys.pseudonym_key);
  Wipe(keys.file_key);
}

Cell::Impl::~Impl() {
  {
    absl::MutexLock lock(&identity_mu);
    for (auto& [shopper, key] : data_keys) Wipe(key);
    WipeRegionKeys(keys);
  }
  absl::MutexLock token_lock(&token_mu);
  Wipe(token_key.key);
}

Status Cell::Impl::LoadDataKeys() {
  return store->ScanPrefix(Family::kDataKeys, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    identity_mu.AssertHeld();  // held by the caller, around the scan
    CONFIDE_RETURN_IF_ERROR(AdmitDataKeyLocked(k, v));
    return true;
  });
}

Status Cell::Impl::AdmitDataKeyLocked(std::string_view shopper, std::string_view wrapped) {
  auto dek = UnwrapDataKey(keys, wrapped, shopper);
  // The stored key is sealed and authenticated: one that does not open is
  // far likelier a KEK damaged in its file than a damaged row.
  if (!dek.ok())
    return Status(dek.status().code(), (keys.source == "env" ? keys.sealed_file : keys.source) +
                                           ": a key-encryption key here does not open a data key the region's "
                                           "database holds (" + dek.status().message() + ")");
  data_keys[Key128(shopper)] = *dek;
  Wipe(*dek);  // the map's copy is the one kept
  return {};
}

Status Cell::Impl::CompleteInterruptedErasures() {
  // An erasure deleted every member's key at once: a group with none left
  // is one whose erasure was cut short. A group with some members keyed and
  // some not is damage of another kind, never erased on a guess.
  std::vector<ShopperKey> damaged;
  for (const auto& root : graph.Roots()) {
    size_t keyless = 0;
    const auto& members = graph.MembersOf(root);
    for (const auto& member : members) keyless += !data_keys.contains(Key128(member));
    if (keyless == members.size()) damaged.push_back(root);
    else if (keyless)
      return Status(Code::kDataLoss, "a shopper group in the region's store has members without a data key");
  }
  if (damaged.empty()) return {};
  // Rows under a destroyed key can never be read again: the erasure they
  // belonged to is finished, in one write.
  WriteBatch batch;
  batch.Put(Family::kMeta, kRekeyDueKey, "1");
  for (const auto& root : damaged) {
    for (const auto& member : graph.MembersOf(root)) {
      const std::string end = PrefixSuccessor(member);
      batch.Delete(Family::kDataKeys, member);
      batch.DeleteRange(Family::kEvents, member, end);
      batch.DeleteRange(Family::kConsent, member, end);
      if (auto it = data_keys.find(Key128(member)); it != data_keys.end()) {
        Wipe(it->second);
        data_keys.erase(it);
      }
      ledgers.erase(member);
    }
    graph.GroupDeletes(root, batch);
  }
  CONFIDE_RETURN_IF_ERROR(store->Write(batch, Durability::kSync));
  rekey_due = true;
  for (const auto& root : damaged) graph.Forget(root);
  spdlog::warn(R"("msg":"completed erasures interrupted before the region was last closed","region":"{}","groups":{})",
               region.id, damaged.size());
  return {};
}

const Key256* Cell::Impl::KeyOfLocked(const ShopperKey& shopper) const {
  auto it = data_keys.find(Key128(shopper));
  return it == data_keys.end() ? nullptr : &it->second;
}

Result<ShopperKey> Cell::Impl::ResolveLocked(const std::vector<IdentifierRef>& ids,
                                             const std::function<std::string_view(IdKind)>& raw,
                                             WriteBatch& batch, MergeNote* merge) {
  const std::vector<ShopperKey> decided_apart = DecidedApartLocked(ids);
  auto r = graph.Resolve(ids, batch);
  if (!r.ok()) return r.status();
  for (const auto& shopper : r->created) {
    Key256 dek = RandomKey();
    data_keys[Key128(shopper)] = dek;
    batch.Put(Family::kDataKeys, shopper, WrapDataKey(keys, dek, shopper));
    Wipe(dek);
  }
  for (const auto& [id, holder] : r->attached) {
    const Key256* key = KeyOfLocked(holder);
    if (!key) return Status(Code::kDataLoss, "a shopper of this identifier has no data key");
    std::string sealed_key = IdentityGraph::SealedIdKey(holder, id);
    batch.Put(Family::kShoppers, sealed_key, Seal(*key, raw(id.kind), sealed_key));
    // An identifier of an erased shopper brings back the refusals the
    // shopper had made, and nothing else.
    if (auto marker = erased.find(Key128(id.pseudonym)); marker != erased.end() && marker->second.HoldsRefusals()) {
      for (const ConsentRecord& record : RefusalsKept(marker->second)) {
        PutConsentRow(holder, *key, record, batch);
        ledgers[holder].push_back(record);
      }
    }
  }
  // A merge, or a customer id joining a group, changes whose decisions win.
  if (r->merged) consent_states.clear();
  else if (!r->attached.empty()) consent_states.erase(r->root);
  if (r->merged || !r->attached.empty()) decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  MergeNote ignored;
  if (!decided_apart.empty()) CONFIDE_RETURN_IF_ERROR(RecordMergeLocked(r->root, decided_apart, batch, merge ? *merge : ignored));
  return r->root;
}

MemberKeys Cell::Impl::MembersWithKeysLocked(const ShopperKey& root) const {
  MemberKeys out;
  const auto& members = graph.MembersOf(root);
  out.members.reserve(members.size());  // no reallocation leaves unwiped copies behind
  for (const auto& member : members)
    if (const Key256* key = KeyOfLocked(member)) out.members.emplace_back(member, *key);
  return out;
}

Status Cell::Impl::ScanSealed(const MemberKeys& members, Family family, std::string_view suffix,
                              const std::function<Status(std::string_view key, std::string_view plain)>& fn,
                              PrefixReader* reader) {
  std::vector<std::string> prefixes;
  for (const auto& member : members.members) prefixes.push_back(member.first + std::string(suffix));
  // Rows come prefix after prefix: each opens under its member's key.
  size_t at = 0;
  std::string plain;
  auto open = [&](std::string_view k, std::string_view v) -> Result<bool> {
    while (at < prefixes.size() && !k.starts_with(prefixes[at])) ++at;
    if (at == prefixes.size())
      return Status(Code::kInternal, "the store answered a row under no prefix asked for");
    CONFIDE_RETURN_IF_ERROR(confide::OpenTo(members.members[at].second, v, k, plain));
    CONFIDE_RETURN_IF_ERROR(fn(k, plain));
    return true;
  };
  Status result = reader ? reader->ScanEach(prefixes, open) : store->ScanPrefixes(family, prefixes, open);
  Wipe(plain);
  return result;
}

Status Cell::Impl::ScanEventRecords(const MemberKeys& members, const std::function<Status(std::string_view)>& fn,
                                    PrefixReader* events) {
  if (members.members.size() < 2) {
    auto each = [&](std::string_view, std::string_view plain) { return fn(plain); };
    return ScanSealed(members, Family::kEvents, "", each, events);
  }
  absl::flat_hash_set<Key128, Key128Hash, Key128Eq> seen;
  auto first_copy = [&](std::string_view key, std::string_view plain) {
    if (!seen.insert(Key128(key.substr(kShopperKeySize))).second) return Status();
    return fn(plain);
  };
  return ScanSealed(members, Family::kEvents, "", first_copy, events);
}

Status Cell::Impl::ScanEvents(const MemberKeys& members, const std::function<void(Event&&)>& fn) {
  return ScanEventRecords(members, [&](std::string_view plain) {
    auto e = DecodeEvent(plain);
    if (!e.ok()) return e.status();
    fn(std::move(*e));
    return Status();
  });
}

namespace {

// The KEKs of a restored backup join the region's as retired ones. A
// version the region holds must be the same key; one newer than the
// region's current KEK is of a key file this one does not continue.
Status AdmitRestoredKeks(const std::vector<std::pair<uint32_t, Key256>>& restored, RegionKeys& keys) {
  for (const auto& [version, kek] : restored) {
    const Key256* held = version == keys.kek_version ? &keys.kek : nullptr;
    for (const auto& [v, k] : keys.retired_keks)
      if (v == version) held = &k;
    if (held ? *held != kek : version > keys.kek_version)
      return Status(Code::kFailedPrecondition,
                    "the backup's key version " + std::to_string(version) + " is not the region's (" + keys.source +
                        ", current version " + std::to_string(keys.kek_version) +
                        "): restore with the keys of the region the backup was taken of");
    if (!held) keys.retired_keks.emplace_back(version, kek);
  }
  return {};
}

// The erasure journal is made at a region's first open, a backup's keys
// when it is taken: with either there and the database gone (a lost disk,
// a wrong data_dir), a new empty one is not made, which a restore would
// take for the region's and trust.
Status CheckDatabaseNotLost(const RegionConfig& region, const std::string& region_dir, const std::string& key_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(region_dir + "/CURRENT", ec)) return {};
  std::string witness = key_dir + "/" + region.id + ".erased";
  if (fs::symlink_status(witness, ec).type() == fs::file_type::not_found) {
    witness.clear();
    const std::string backup_keys = region.id + ".backup-";
    for (const auto& f : fs::directory_iterator(key_dir, ec))
      if (f.path().filename().string().starts_with(backup_keys)) witness = f.path().string();
  }
  if (witness.empty()) return {};
  return Status(Code::kFailedPrecondition,
                region_dir + ": region " + region.id + " has no database here, though " + witness +
                    " shows it had one (a lost disk? another data_dir?): point data_dir at it, or restore it "
                    "from a backup");
}

// Every row of a shopper is found by pseudonym: under a pseudonym key
// other than the one the database was written with (a key file damaged
// yet readable, or another region's) no shopper would be found, the
// erasure journal's chain would not verify, and a journal set aside for
// that would let an erased shopper's identifiers in again. The database
// keeps a pseudonym of its own key to tell.
Status CheckPseudonymKey(Store& store, const Pseudonymizer& pseudonyms, const RegionConfig& region,
                         const std::string& source) {
  constexpr std::string_view kCheckKey = "pseudonym_key_check";
  const std::string check = pseudonyms.Of("key-check", region.id);
  auto held = store.Get(Family::kMeta, kCheckKey);
  if (!held.ok()) return held.status();
  if (!held->has_value()) {  // a new region, or one of an earlier release
    WriteBatch batch;
    batch.Put(Family::kMeta, kCheckKey, check);
    return store.Write(batch, Durability::kSync);
  }
  if (**held == check) return {};
  return Status(Code::kDataLoss, (source == "env" ? SecretEnvName("CONFIDE_REGION_KEY_", region.id) : source) +
                                     ": its pseudonym key is not the one region " + region.id +
                                     "'s database was written with (damaged, or another region's): put back the "
                                     "region's own key file");
}

}  // namespace

StoreFactory RegionStoreFactory(const RegionConfig& region) {
  if (region.store == RegionConfig::Store::kPostgresql)
    return PostgresqlStoreFactory(
        {.conninfo = region.postgresql, .schema = region.postgresql_schema, .shared = region.several_nodes});
  return RocksDbStoreFactory();
}

Cell::Cell(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cell::~Cell() = default;

Result<std::unique_ptr<Cell>> Cell::Open(const RegionConfig& region, const std::string& data_dir,
                                         const std::string& key_dir, const Options& options) {
  InitCrypto();
  auto impl = std::make_unique<Impl>();
  impl->region = region;
  impl->options = options;
  impl->options.restored_keks = nullptr;  // used during this call only
  impl->key_dir = key_dir;
  impl->region_dir = data_dir + "/" + region.id;
  auto lock = DirectoryLock::Take(impl->region_dir);
  if (!lock.ok()) return lock.status();
  impl->region_lock.emplace(std::move(*lock));
  const bool postgresql = region.store == RegionConfig::Store::kPostgresql;
  if (!options.restored_keks) {  // else the restore itself opens it
    CONFIDE_RETURN_IF_ERROR(CheckNoRestorePending(data_dir, region.id));
    if (!postgresql) CONFIDE_RETURN_IF_ERROR(CheckDatabaseNotLost(region, impl->region_dir, key_dir));
  }
  auto store = (options.open_store ? options.open_store : RegionStoreFactory(region))(data_dir + "/" + region.id);
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  if (region.several_nodes) impl->ShareStore();
  CONFIDE_RETURN_IF_ERROR(CheckNoCopyUnderWay(*impl->store));
  // Fresh keys could open none of the data keys already stored; the newest
  // tells a region of an earlier release whose KEK derives from the root in
  // the environment (crypto/region_keys.h).
  bool holds_data_keys = false;
  WrappedDataKey newest;
  CONFIDE_RETURN_IF_ERROR(impl->store->ScanRange(Family::kDataKeys, "", "", [&](std::string_view k, std::string_view v) {
    holds_data_keys = true;
    if (v.size() >= 4 && (newest.wrapped.empty() || GetFixed32BE(v) > GetFixed32BE(newest.wrapped))) {
      newest.owner.assign(k);
      newest.wrapped.assign(v);
    }
    return true;
  }));
  auto keys = LoadOrCreateRegionKeys(key_dir, region.id, /*create_if_missing=*/!holds_data_keys, newest);
  if (!keys.ok()) return keys.status();
  // Copied into impl below; this copy goes whichever way Open returns.
  struct WipeOnReturn {
    RegionKeys& keys;
    ~WipeOnReturn() { WipeRegionKeys(keys); }
  } wipe_loaded{*keys};
  if (options.restored_keks) CONFIDE_RETURN_IF_ERROR(AdmitRestoredKeks(*options.restored_keks, *keys));
  impl->pseudonyms = std::make_unique<Pseudonymizer>(keys->pseudonym_key);
  CONFIDE_RETURN_IF_ERROR(CheckPseudonymKey(*impl->store, *impl->pseudonyms, region, keys->source));
  auto token_key = LoadOrCreateTokenKey(key_dir, region.id);
  if (!token_key.ok()) return token_key.status();
  {
    absl::MutexLock lock(&impl->token_mu);
    impl->token_key = *token_key;
  }
  Wipe(token_key->key);
  CONFIDE_RETURN_IF_ERROR(impl->OpenDownstream(key_dir, keys->pseudonym_key));
  impl->catalog = std::make_unique<Catalog>(*impl->store, *impl->options.clock);
  impl->prices = std::make_unique<PriceList>(*impl->store);
  auto audit = AuditLog::Open(*impl->store);
  if (!audit.ok()) return audit.status();
  impl->audit = std::move(*audit);
  {
    absl::MutexLock lock(&impl->identity_mu);
    impl->keys = std::move(*keys);
    CONFIDE_RETURN_IF_ERROR(impl->NoteSharedVersion());
    CONFIDE_RETURN_IF_ERROR(impl->graph.Load(*impl->store));
    CONFIDE_RETURN_IF_ERROR(impl->LoadDataKeys());
    CONFIDE_RETURN_IF_ERROR(impl->CompleteInterruptedErasures());
    CONFIDE_RETURN_IF_ERROR(impl->LoadLedgers());
    CONFIDE_RETURN_IF_ERROR(impl->LoadErasureMarkers());
    auto due = impl->store->Get(Family::kMeta, kRekeyDueKey);
    if (!due.ok()) return due.status();
    // A KEK derived from the root is retired by the first rotation, which
    // is due for it as for an erasure.
    impl->rekey_due = impl->rekey_due || due->has_value() || impl->keys.derived_kek_version != 0;
  }
  CONFIDE_RETURN_IF_ERROR(impl->catalog->EnsureStockIndex());  // a catalog write: after NoteSharedVersion
  // Before any request: an erasure the database lost (a restore) is made
  // again before anything can read the shopper.
  auto replayed = impl->SyncErasureJournal(key_dir, keys->pseudonym_key);  // erasure.cc
  if (!replayed.ok()) return replayed.status();
  CONFIDE_RETURN_IF_ERROR(impl->MigrateLegacyNotices());  // erasure_notices.cc
  return std::unique_ptr<Cell>(new Cell(std::move(impl)));
}

const RegionConfig& Cell::region() const { return impl_->region; }
const Clock& Cell::clock() const { return *impl_->options.clock; }
Catalog& Cell::catalog() { return *impl_->catalog; }
PriceList& Cell::prices() { return *impl_->prices; }
AuditLog& Cell::audit() { return *impl_->audit; }
Store& Cell::store() { return *impl_->store; }

std::string Cell::MintShopperToken(IdKind kind, std::string_view id, Micros expires, uint8_t reach) const {
  ShopperClaims claims;
  claims.region = impl_->region.id;
  claims.id_kind = IdKindName(kind);
  claims.id = CanonicalId(id);
  claims.issued_at = impl_->Now() / kMicrosPerSecond;
  claims.expires = expires / kMicrosPerSecond;
  claims.reach = reach;
  absl::MutexLock lock(&impl_->token_mu);
  return confide::MintShopperToken(impl_->token_key, claims);
}

Result<ShopperClaims> Cell::VerifyShopperToken(std::string_view token, Micros now) const {
  Result<ShopperClaims> claims = [&] {
    absl::MutexLock lock(&impl_->token_mu);
    return confide::VerifyShopperToken(impl_->token_key, token, now);
  }();
  if (!claims.ok()) return claims;
  if (claims->region != impl_->region.id) return Status(Code::kUnauthenticated, "shopper token is for another region");
  auto kind = ParseIdKind(claims->id_kind);
  if (!kind) return Status(Code::kUnauthenticated, "shopper token is malformed");
  // A token minted in or before the second of an erasure is refused (times
  // in tokens are whole seconds): the erased shopper's sessions end with it.
  std::string pseudonym = impl_->PseudonymOf(*kind, claims->id);
  // An erasure through another node of the region counts as one through this one.
  CONFIDE_RETURN_IF_ERROR(impl_->HealIfDiverged());
  absl::MutexLock lock(&impl_->identity_mu);
  if (impl_->ErasedAfterLocked(pseudonym, claims->issued_at * kMicrosPerSecond - 1))
    return Status(Code::kUnauthenticated, "shopper token was issued before this shopper's erasure");
  // An anonymous or loyalty id may be a shared browser or card: once linked
  // to a customer, the customer's own token is the only way in.
  if (*kind != IdKind::kCustomer)
    if (auto root = impl_->graph.Find(pseudonym); root && impl_->graph.HoldsCustomer(*root))
      return Status(Code::kPermissionDenied,
                    "this identifier belongs to a signed-in customer: only a token for the customer id reaches "
                    "their data");
  return claims;
}

std::string Cell::MintStaffToken(StaffClaims claims, Micros expires) const {
  claims.region = impl_->region.id;
  claims.issued_at = impl_->Now() / kMicrosPerSecond;
  claims.expires = expires / kMicrosPerSecond;
  absl::MutexLock lock(&impl_->token_mu);
  return confide::MintStaffToken(impl_->token_key, claims);
}

Result<StaffClaims> Cell::VerifyStaffToken(std::string_view token, Micros now) const {
  absl::MutexLock lock(&impl_->token_mu);
  return confide::VerifyStaffToken(impl_->token_key, token, impl_->region.id, now);
}

Result<std::string> Cell::RotateTokenKey() {
  Impl& m = *impl_;
  // The key is in each node's key_dir: the others would go on accepting
  // every token the rotation was to end, and refuse the new ones.
  if (m.shared)
    return Status(
        Code::kFailedPrecondition,
        "the region is served by several nodes, whose key_dir each hold its token key: rotate with one "
        "node serving it (nodes = \"one\"), then copy its key_dir to the others (docs/deployment.md)");
  absl::MutexLock lock(&m.token_mu);
  auto fresh = confide::RotateTokenKey(m.token_key);
  if (!fresh.ok()) return fresh.status();
  Wipe(m.token_key.key);
  m.token_key = std::move(*fresh);
  return m.token_key.id;
}

std::string Cell::token_key_id() const {
  absl::MutexLock lock(&impl_->token_mu);
  return impl_->token_key.id;
}

std::string Cell::AuditSubject(IdKind kind, std::string_view id) const {
  return HexEncode(impl_->PseudonymOf(kind, id));
}

bool Cell::Holds(IdKind kind, std::string_view id) const {
  // On a shared region, after what the other nodes added or erased; from
  // memory when the store cannot be read (a send still asks GrantFor, which
  // grants nothing then).
  (void)impl_->HealIfDiverged();
  const std::string pseudonym = impl_->PseudonymOf(kind, id);
  absl::MutexLock lock(&impl_->identity_mu);
  return impl_->graph.Find(pseudonym).has_value();
}

std::string Cell::EvidenceHash(std::string_view ip_address) const {
  return HexEncode(impl_->pseudonyms->Of("ip", ip_address));
}

std::string Cell::RecommendationTag(std::string_view message) const {
  return impl_->pseudonyms->Of("recommendation", message).substr(0, 8);
}

uint64_t Cell::erasures_replayed() const { return impl_->erasures_replayed; }

bool Cell::rekey_due() const {
  absl::MutexLock lock(&impl_->identity_mu);
  return impl_->rekey_due;
}

uint64_t Cell::events_stored() const { return impl_->events_stored.load(std::memory_order_relaxed); }
uint64_t Cell::consent_decisions(Purpose purpose, bool granted) const {
  return impl_->consent_decisions[static_cast<size_t>(purpose)][granted].load(std::memory_order_relaxed);
}
uint64_t Cell::shoppers() const {
  absl::MutexLock lock(&impl_->identity_mu);
  return impl_->graph.group_count();
}

}  // namespace confide
