// The omnichannel event: what a shopper did, where and when.
//
// Every source (HTTP JSON, NDJSON, CSV import) turns its items into a
// Record and calls EventFromRecord, so one set of rules decides what is a
// valid event. Events are plain values; the functions here are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "core/record.h"
#include "core/status.h"
#include "core/time.h"

namespace confide {

enum class EventType : uint8_t {
  kView, kSearch, kAddToCart, kRemoveFromCart, kPurchase, kReturn, kStoreVisit, kPickup, kIdentify,
  // A product of a recommendation-like answer shown to the shopper, and
  // one they followed: feedback on what was served (docs/experiments.md).
  kImpression, kClick,
  // A list Confide served the shopper (experiments/served_log.h): written
  // by Confide alone, never accepted from a client.
  kServed,
};
constexpr size_t kEventTypeCount = 12;

enum class Channel : uint8_t { kWeb, kApp, kStore, kCallCenter };
constexpr size_t kChannelCount = 4;

// How an event reached Confide: over the HTTP API, in a file the retailer
// imported, or made by Confide itself (the lists it served,
// experiments/served_log.h). Set by the ingress, never by the client;
// events stored before it was kept read as kUnrecorded.
enum class EventSource : uint8_t { kUnrecorded, kApi, kImport, kConfide };
constexpr size_t kEventSourceCount = 4;

// The three kinds of shopper identifier, linked by `identify` events.
enum class IdKind : uint8_t { kCustomer, kAnonymous, kLoyalty };
constexpr size_t kIdKindCount = 3;

const char* EventTypeName(EventType t);   // "add_to_cart"
const char* ChannelName(Channel c);       // "call_center"
// Impressions and clicks: what the shopper was shown and followed.
inline bool IsFeedback(EventType t) { return t == EventType::kImpression || t == EventType::kClick; }
// The event ids of served events (experiments/served_log.h): no record may take one.
inline constexpr char kServedEventIdPrefix[] = "served-";
// Feedback and the lists served: what measures the models, never what they learn from.
inline bool MeasuresServing(EventType t) { return IsFeedback(t) || t == EventType::kServed; }
const char* IdKindField(IdKind k);        // "customer_id"
std::optional<EventType> ParseEventType(std::string_view s);
std::optional<Channel> ParseChannel(std::string_view s);
std::optional<IdKind> ParseIdKind(std::string_view s);  // "customer", "anonymous", "loyalty"
const char* IdKindName(IdKind k);                       // "customer"
const char* EventSourceName(EventSource s);             // "api", "import", "unrecorded"

struct Event {
  std::string event_id;
  EventType type = EventType::kView;
  Micros timestamp = 0;
  std::string ids[kIdKindCount];  // indexed by IdKind; empty when absent
  Channel channel = Channel::kWeb;
  std::string product_id;
  int64_t quantity = 0;                    // 0 when not applicable
  std::optional<int64_t> unit_price;       // micro-units of `currency`
  std::string currency;
  std::string order_id;
  std::string store_id;
  std::string query;
  // Impression and click events only: the recommendation_id of the answer
  // that showed the product.
  std::string recommendation_id;
  // Identify events only: the shopper confirmed, as they signed in, that
  // the consent decisions made on this device are theirs, so they travel to
  // the customer (docs/api.md). An instruction to ingest, not stored.
  bool consent_confirmed = false;
  // Free-form attributes, canonical JSON (events/properties.h); empty when none.
  std::string properties;
  EventSource source = EventSource::kUnrecorded;

  const std::string& id(IdKind k) const { return ids[static_cast<size_t>(k)]; }
  std::string& id(IdKind k) { return ids[static_cast<size_t>(k)]; }
  // The identifier events are attributed to: customer, else loyalty, else anonymous.
  IdKind primary_id_kind() const;
};

// What an importer may fill in for columns a file does not have. The HTTP
// API uses none of these: its events must be complete.
struct EventDefaults {
  std::optional<EventType> type;
  std::optional<Channel> channel;
  std::string currency;
  // A row without any shopper id but with an order id becomes an anonymous
  // shopper "guest-<order_id>" (guest checkout), instead of a rejection.
  bool guest_per_order = false;
  // A purchase with a negative quantity is a return of that many items.
  bool negative_purchase_is_return = false;
  // Accept "2010-12-01 08:26:00" and "12/1/2010 8:26" (taken as UTC) as
  // spreadsheets write them, besides RFC 3339.
  bool loose_timestamps = false;
};

// Builds and validates an event. Errors are kInvalidArgument with field()
// set to the offending field and message() the reason, e.g. field
// "timestamp", reason "not RFC 3339". A field of a JSON item that is not
// an event field is refused naming it (a CSV file's extra columns are not
// fields: its column map picks them).
// Identifiers written by spreadsheets as floats ("17850.0") are read as
// integers ("17850").
Result<Event> EventFromRecord(const Record& record, const EventDefaults& defaults = {});

// The fields an event record may have, with their JSON types.
inline constexpr ExpectedType kEventFields[] = {
    {"event_id", Field::Type::kString},     {"type", Field::Type::kString},
    {"timestamp", Field::Type::kString},    {"customer_id", Field::Type::kString},
    {"anonymous_id", Field::Type::kString}, {"loyalty_id", Field::Type::kString},
    {"channel", Field::Type::kString},      {"product_id", Field::Type::kString},
    {"quantity", Field::Type::kNumber},     {"unit_price", Field::Type::kNumber},
    {"currency", Field::Type::kString},     {"order_id", Field::Type::kString},
    {"store_id", Field::Type::kString},     {"query", Field::Type::kString},
    {"consent_confirmed", Field::Type::kBool}, {"properties", Field::Type::kOther},
    {"recommendation_id", Field::Type::kString}};

// Writes the event as a JSON object with the API's field names (empty
// fields left out; the source is not an API field), e.g. for exports; WriteEventFields writes the same
// members into an object the caller opened (and adds to).
void WriteEventJson(JsonWriter& w, const Event& e);
void WriteEventFields(JsonWriter& w, const Event& e);

// Storage codec: a compact versioned binary form. DecodeEvent fails with
// kDataLoss on anything EncodeEvent did not produce.
void EncodeEvent(const Event& e, std::string& out);
Result<Event> DecodeEvent(std::string_view in);
// The same into `e`, every field overwritten.
Status DecodeEvent(std::string_view in, Event& e);
// A stored event's type and time, read without decoding the rest.
struct StoredEventHeader {
  EventType type;
  Micros timestamp;
};
Result<StoredEventHeader> PeekEvent(std::string_view in);

// The one form of a shopper identifier, wherever it enters (events,
// imports, consent, export, erasure, tokens, audit): "17850.0" -> "17850",
// as spreadsheets write integer ids as floats; anything else as given.
std::string_view CanonicalId(std::string_view id);

// Field limits, also documented in docs/api.md.
constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxQueryLength = 512;
constexpr size_t kMaxRecommendationIdLength = 64;
constexpr int64_t kMaxQuantity = 1'000'000;

}  // namespace confide
