// What an erasure keeps to refuse the events of an erased history dated
// after it (erasure_markers.cc), read in the store: markers under the
// erased identifiers only, none naming the event, and markers of the
// earlier, unscoped form still honoured for the erased identifiers alone.
#include <gtest/gtest.h>

#include <limits>

#include "cell/cell.h"
#include "core/bytes.h"
#include "core/scratch_dir.h"
#include "core/time.h"

namespace confide {
namespace {

const RegionConfig kRegion{"eu", LegalBasis::kOptOut, "EUR", ""};

// A view of event `event_id` a day ahead (a clock ahead, a scheduled order):
// later than any erasure the test makes.
Event AheadOf(const std::string& event_id, const std::string& customer, const std::string& device = "") {
  Event e;
  e.event_id = event_id;
  e.type = EventType::kView;
  e.channel = Channel::kWeb;
  e.timestamp = NowMicros() + 24 * 3600 * kMicrosPerSecond;
  e.product_id = "P1";
  e.id(IdKind::kCustomer) = customer;
  e.id(IdKind::kAnonymous) = device;
  return e;
}

class ErasureMarkersTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    cell_.reset();
    auto c = Cell::Open(kRegion, scratch_ / "data", scratch_ / "keys");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
  }
  IngestOutcome Send(Event e) {
    auto r = cell_->Ingest({std::move(e)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->front() : IngestOutcome();
  }
  // The pseudonym of the one stored event's id: the events family's key
  // is the shopper's key (16) and it.
  std::string OnlyEventPseudonym() {
    std::vector<std::string> ids;
    EXPECT_TRUE(cell_->store().ScanPrefix(Family::kEvents, "", [&](std::string_view k, std::string_view) {
      ids.emplace_back(k.substr(16));
      return true;
    }).ok());
    EXPECT_EQ(ids.size(), 1u);
    return ids.empty() ? std::string() : ids.front();
  }
  std::vector<std::string> MarkerKeys() {
    std::vector<std::string> keys;
    EXPECT_TRUE(cell_->store().ScanPrefix(Family::kErased, "", [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }).ok());
    return keys;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(ErasureMarkersTest, AnEventIsMarkedUnderEachErasedIdentifierAndNamedByNone) {
  ASSERT_EQ(Send(AheadOf("F-1", "C-VICTIM", "A-VICTIM")).kind, IngestOutcome::Kind::kStored);
  const std::string event = OnlyEventPseudonym();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-VICTIM")->found);
  size_t identifiers = 0, events = 0;
  for (const std::string& key : MarkerKeys()) {
    EXPECT_EQ(key.find(event), std::string::npos) << "a marker holding the event id's pseudonym matches anyone's event";
    identifiers += key.size() == 16;
    events += key.size() == 17;
  }
  EXPECT_EQ(identifiers, 2u);
  EXPECT_EQ(events, 2u) << "one per erased identifier";

  for (int pass = 0; pass < 2; ++pass) {  // as erased, then as loaded
    IngestOutcome device = Send(AheadOf("F-1", "", "A-VICTIM"));
    EXPECT_EQ(device.kind, IngestOutcome::Kind::kRejected);
    EXPECT_EQ(device.field, "anonymous_id");
    EXPECT_EQ(device.reason, "erased: this event was part of the history erased with this identifier's shopper");
    EXPECT_EQ(Send(AheadOf("F-1", "C-VICTIM")).kind, IngestOutcome::Kind::kRejected);
    Open();
  }
  EXPECT_EQ(Send(AheadOf("F-1", "C-OTHER")).kind, IngestOutcome::Kind::kStored) << "another shopper's event";
  EXPECT_EQ(Send(AheadOf("F-1", "C-OTHER")).kind, IngestOutcome::Kind::kDuplicate);
}

// A region erased by an earlier version holds event markers under the event
// id's pseudonym alone (erased "at the end of time"): which shopper's ids
// they belonged to was never written. They stay, refusing the event only
// when it carries an identifier of an erased shopper.
TEST_F(ErasureMarkersTest, MarkersOfTheUnscopedFormRefuseOnlyErasedIdentifiers) {
  ASSERT_EQ(Send(AheadOf("F-2", "C-OLD")).kind, IngestOutcome::Kind::kStored);
  const std::string event = OnlyEventPseudonym();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-OLD")->found);
  WriteBatch earlier;  // what the earlier version wrote instead of the scoped markers
  for (const std::string& key : MarkerKeys())
    if (key.size() == 17) earlier.Delete(Family::kErased, key);
  std::string unscoped(1, '\1');
  PutFixed64BE(unscoped, OrderedInt64(std::numeric_limits<Micros>::max()));
  unscoped.append(6, '\0');  // no refusals, no category opt-outs, no GPC
  earlier.Put(Family::kErased, event, unscoped);
  ASSERT_TRUE(cell_->store().Write(earlier).ok());
  Open();

  EXPECT_EQ(Send(AheadOf("F-2", "C-OLD")).kind, IngestOutcome::Kind::kRejected);
  EXPECT_EQ(Send(AheadOf("F-2", "C-NEW")).kind, IngestOutcome::Kind::kStored)
      << "an unscoped marker no longer refuses a shopper never erased";
}

}  // namespace
}  // namespace confide
