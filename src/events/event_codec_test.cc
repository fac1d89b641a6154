// The stored event codec (EncodeEvent, DecodeEvent, PeekEvent) against
// damaged bytes, in the manner of LevelDB's util/coding_test.cc: every
// truncation of an encoding, and every single-byte change of it.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "events/event.h"
#include "testing/codec_damage.h"

namespace confide {
namespace {

// A few events that take the codec down each of its branches: with and
// without a price, each kind of id, empty and long strings (two-byte
// length prefixes), multi-byte varints, a time before 1970, each source.
std::vector<Event> Samples() {
  std::vector<Event> out;
  Event purchase;
  purchase.event_id = "e1";
  purchase.type = EventType::kPurchase;
  purchase.timestamp = 1'735'787'045'000'000;
  purchase.id(IdKind::kCustomer) = "C1";
  purchase.channel = Channel::kStore;
  purchase.product_id = "P1";
  purchase.quantity = 2;
  purchase.unit_price = 3'500'000;
  purchase.currency = "EUR";
  purchase.order_id = "O1";
  purchase.store_id = "S1";
  purchase.source = EventSource::kImport;
  purchase.properties = R"({"size":"M","gift":true})";
  out.push_back(purchase);

  Event view;
  view.event_id = "v";
  view.type = EventType::kView;
  view.timestamp = 0;
  view.id(IdKind::kAnonymous) = "visitor-1";
  view.channel = Channel::kWeb;
  view.product_id = "P2";
  view.source = EventSource::kApi;
  out.push_back(view);

  Event search;
  search.event_id = std::string(200, 's');
  search.type = EventType::kSearch;
  search.timestamp = -86'400'000'000;
  search.id(IdKind::kLoyalty) = "L-77";
  search.channel = Channel::kCallCenter;
  search.query = std::string(300, 'q');
  out.push_back(search);

  Event identify;
  identify.event_id = "i-9";
  identify.type = EventType::kIdentify;
  identify.timestamp = 1'700'000'000'000'000;
  identify.id(IdKind::kCustomer) = "C9";
  identify.id(IdKind::kAnonymous) = "a9";
  identify.id(IdKind::kLoyalty) = "l9";
  identify.channel = Channel::kApp;
  out.push_back(identify);

  Event big = purchase;
  big.event_id = "big";
  big.type = EventType::kReturn;
  big.quantity = kMaxQuantity;
  big.unit_price = 123'456'789'012;
  out.push_back(big);

  Event click;
  click.event_id = "k1";
  click.type = EventType::kClick;
  click.timestamp = 1'735'787'046'000'000;
  click.id(IdKind::kCustomer) = "C1";
  click.channel = Channel::kApp;
  click.product_id = "P3";
  click.recommendation_id = "0123456789abcdef0123456789abcdef";
  click.source = EventSource::kApi;
  out.push_back(click);
  return out;
}

std::string Encode(const Event& e) {
  std::string out;
  EncodeEvent(e, out);
  return out;
}


size_t VarintLength(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Where the source byte of an encoding is: before the recommendation id.
size_t SourceAt(const Event& e, const std::string& bytes) {
  return bytes.size() - VarintLength(e.recommendation_id.size()) - e.recommendation_id.size() - 1;
}

// Where the has-price byte of an encoding is: before the price's varint,
// if any, the five length-prefixed strings and the source byte.
size_t PriceFlagAt(const Event& e, const std::string& bytes) {
  size_t tail = (e.unit_price ? VarintLength(static_cast<uint64_t>(*e.unit_price)) : 0);
  for (const std::string* s : {&e.currency, &e.order_id, &e.store_id, &e.query, &e.properties})
    tail += VarintLength(s->size()) + s->size();
  return SourceAt(e, bytes) - tail - 1;
}

TEST(EventCodec, EveryTruncationIsDataLoss) {
  for (const Event& e : Samples()) {
    const std::string bytes = Encode(e);
    ASSERT_TRUE(DecodeEvent(bytes).ok()) << e.event_id;
    ExpectEveryTruncationIsDataLoss(bytes, [](std::string_view b) { return DecodeEvent(b).status(); }, e.event_id);
    ExpectEveryTruncationIsDataLoss(
        bytes,
        [&e](std::string_view b) {
          Event into = e;
          return DecodeEvent(b, into);
        },
        e.event_id + " (into an event)");
  }
}

TEST(EventCodec, PeekNeedsTheHeaderAndNeverMisreadsIt) {
  constexpr size_t kHeader = 11;  // version, type, channel, time
  for (const Event& e : Samples()) {
    const std::string bytes = Encode(e);
    for (size_t n = 0; n <= bytes.size(); ++n) {
      ExactBytes prefix(std::string_view(bytes).substr(0, n));
      auto header = PeekEvent(prefix.view());
      if (n < kHeader) {
        EXPECT_EQ(header.status().code(), Code::kDataLoss) << e.event_id << ": " << n << " bytes";
        continue;
      }
      ASSERT_TRUE(header.ok()) << e.event_id << ": " << n << " bytes";
      EXPECT_EQ(header->type, e.type);
      EXPECT_EQ(header->timestamp, e.timestamp);
    }
  }
}

// Without a checksum a changed byte may still spell a valid event (another
// product id, another time: the AEAD seal around stored events catches
// those). What the decoder must never do is accept bytes EncodeEvent would
// not have written for what it returns.
TEST(EventCodec, EveryByteChangeIsDataLossOrExactlyAnotherEvent) {
  for (const Event& e : Samples()) {
    const std::string bytes = Encode(e);
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (uint8_t flip : kByteFlips) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ flip);
        ExactBytes input(damaged);
        auto got = DecodeEvent(input.view());
        auto header = PeekEvent(input.view());
        if (!got.ok()) {
          EXPECT_EQ(got.status().code(), Code::kDataLoss);
          continue;
        }
        EXPECT_EQ(Encode(*got), damaged) << e.event_id << ": byte " << i << " ^ " << int{flip};
        ASSERT_TRUE(header.ok()) << e.event_id << ": byte " << i << " ^ " << int{flip};
        EXPECT_EQ(header->type, got->type);
        EXPECT_EQ(header->timestamp, got->timestamp);
      }
    }
  }
}

TEST(EventCodec, PriceFlagIsZeroOrOne) {
  for (const Event& e : Samples()) {
    const std::string bytes = Encode(e);
    const size_t at = PriceFlagAt(e, bytes);
    ASSERT_EQ(static_cast<uint8_t>(bytes[at]), e.unit_price ? 1 : 0) << e.event_id;
    for (uint8_t flag : {2, 0x80, 0xff}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(flag);
      EXPECT_EQ(DecodeEvent(damaged).status().code(), Code::kDataLoss)
          << e.event_id << ": price flag " << int{flag} << " read as " << (e.unit_price ? "a price" : "no price");
    }
  }
}

TEST(EventCodec, PropertiesAndTheSourceRoundTripAndTheSourceIsAKnownOne) {
  for (const Event& e : Samples()) {
    const std::string bytes = Encode(e);
    auto got = DecodeEvent(bytes);
    ASSERT_TRUE(got.ok()) << e.event_id;
    EXPECT_EQ(got->source, e.source) << e.event_id;
    EXPECT_EQ(got->properties, e.properties) << e.event_id;
    EXPECT_EQ(got->recommendation_id, e.recommendation_id) << e.event_id;
    const size_t at = SourceAt(e, bytes);
    ASSERT_EQ(static_cast<uint8_t>(bytes[at]), static_cast<uint8_t>(e.source)) << e.event_id;
    for (uint8_t source : {uint8_t(kEventSourceCount), uint8_t(0x80), uint8_t(0xff)}) {  // the first unknown, and far ones
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(source);
      EXPECT_EQ(DecodeEvent(damaged).status().code(), Code::kDataLoss) << e.event_id << ": source " << int{source};
    }
  }
}

// Events stored before the source was kept (version 1: no properties, no
// source byte) still decode, as unrecorded; a version 1 record with them
// does not.
TEST(EventCodec, AVersionOneRecordReadsAsUnrecorded) {
  for (Event e : Samples()) {
    e.properties.clear();
    e.recommendation_id.clear();
    const std::string bytes = Encode(e);
    std::string v1 = bytes.substr(0, bytes.size() - 3);  // empty properties, the source, empty recommendation id
    v1[0] = 1;
    auto got = DecodeEvent(v1);
    ASSERT_TRUE(got.ok()) << e.event_id;
    EXPECT_EQ(got->source, EventSource::kUnrecorded);
    Event expected = e;
    expected.source = EventSource::kUnrecorded;
    EXPECT_EQ(Encode(*got), Encode(expected)) << e.event_id;
    std::string v1_with_source = bytes;
    v1_with_source[0] = 1;
    EXPECT_EQ(DecodeEvent(v1_with_source).status().code(), Code::kDataLoss) << e.event_id;
  }
}

// Events stored before feedback existed (version 2: no recommendation id)
// decode with none; a version 2 record with one does not.
TEST(EventCodec, AVersionTwoRecordReadsWithoutARecommendationId) {
  for (Event e : Samples()) {
    const std::string with_id = Encode(e);
    e.recommendation_id.clear();
    const std::string bytes = Encode(e);
    std::string v2 = bytes.substr(0, bytes.size() - 1);  // the empty recommendation id
    v2[0] = 2;
    auto got = DecodeEvent(v2);
    ASSERT_TRUE(got.ok()) << e.event_id;
    EXPECT_EQ(Encode(*got), bytes) << e.event_id;
    if (with_id == bytes) continue;
    std::string v2_with_id = with_id;
    v2_with_id[0] = 2;
    EXPECT_EQ(DecodeEvent(v2_with_id).status().code(), Code::kDataLoss) << e.event_id;
  }
}

TEST(EventCodec, OverlongVarintIsDataLoss) {
  Event e = Samples()[1];  // no price: quantity 0, then the flag 0
  e.quantity = 5;
  std::string bytes = Encode(e);
  const size_t flag = PriceFlagAt(e, bytes);
  ASSERT_EQ(bytes[flag - 1], 5);
  // 5 as two bytes (0x85 0x00) is the same number, written as EncodeEvent never writes it.
  std::string overlong = bytes.substr(0, flag - 1) + "\x85" + std::string(1, '\0') + bytes.substr(flag);
  EXPECT_EQ(DecodeEvent(overlong).status().code(), Code::kDataLoss);
  // So is an overlong length prefix: the event id "v" as 0x81 0x00 'v'.
  ASSERT_EQ(bytes.substr(11, 2), std::string("\x01v", 2));
  std::string long_length = bytes.substr(0, 11) + "\x81" + std::string(1, '\0') + bytes.substr(12);
  EXPECT_EQ(DecodeEvent(long_length).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace confide
