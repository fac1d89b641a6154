#include "events/record_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace confide {
namespace {

namespace fs = std::filesystem;

// One row as read: its line, the error if any, and its fields copied out.
struct Row {
  uint64_t line = 0;
  RowError error;
  std::vector<std::pair<std::string, std::string>> fields;

  std::string Get(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (n == name) return v;
    return "<absent>";
  }
};

class RecordReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "confide-reader-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, std::string_view content) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(content.data(), static_cast<std::streamsize>(content.size()));
    return path;
  }
  std::string WriteGz(const std::string& name, std::string_view content) {
    std::string path = (dir_ / name).string();
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    EXPECT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
    gzclose(gz);
    return path;
  }

  static std::vector<Row> ReadAll(const std::string& path, const ReaderOptions& options = {}) {
    auto reader = RecordReader::Open(path, options);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    std::vector<Row> rows;
    if (!reader.ok()) return rows;
    Record record;
    RowError error;
    while ((*reader)->Next(record, error)) {
      Row& row = rows.emplace_back();
      row.line = (*reader)->line();
      row.error = error;
      for (const Field& f : record.fields()) row.fields.emplace_back(f.name, f.value);
    }
    EXPECT_TRUE((*reader)->status().ok()) << (*reader)->status().ToString();
    return rows;
  }

  fs::path dir_;
};

TEST_F(RecordReaderTest, CsvQuotingRules) {
  std::string path = Write("q.csv",
                           "a,b,c\n"
                           "1,\"x, y\",3\n"
                           "2,\"say \"\"hi\"\"\",\n"
                           "3,\"line1\nline2\",z\n"
                           ",,\n"
                           "4,\"\",\"\"\"\"\n"
                           "5,6\"inch,7");  // no final newline; a bare quote is data
  auto rows = ReadAll(path);
  ASSERT_EQ(rows.size(), 6u);
  for (const Row& r : rows) EXPECT_FALSE(r.error.bad) << r.line << ": " << r.error.reason;
  EXPECT_EQ(rows[0].Get("b"), "x, y");
  EXPECT_EQ(rows[1].Get("b"), "say \"hi\"");
  EXPECT_EQ(rows[1].Get("c"), "");
  EXPECT_EQ(rows[2].Get("b"), "line1\nline2");
  EXPECT_EQ(rows[2].Get("c"), "z");
  EXPECT_EQ(rows[3].Get("a"), "");
  EXPECT_EQ(rows[3].fields.size(), 3u);
  EXPECT_EQ(rows[4].Get("b"), "");
  EXPECT_EQ(rows[4].Get("c"), "\"");
  EXPECT_EQ(rows[5].Get("b"), "6\"inch");
  EXPECT_EQ(rows[5].Get("c"), "7");
  // The embedded newline occupies line 5, so the rows after it move down.
  std::vector<uint64_t> lines;
  for (const Row& r : rows) lines.push_back(r.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 3, 4, 6, 7, 8}));
}

TEST_F(RecordReaderTest, CrlfBomAndBlankLines) {
  std::string path = Write("crlf.csv",
                           "\xEF\xBB\xBFid,name\r\n"
                           "1,\"a\r\nb\"\r\n"
                           "\r\n"
                           "2,c\r\n"
                           "3,\"q\"\r\n");
  auto reader = RecordReader::Open(path, {});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->columns(), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ((*reader)->format(), FileFormat::kCsv);
  auto rows = ReadAll(path);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].Get("id"), "1");
  EXPECT_EQ(rows[0].Get("name"), "a\r\nb");  // inside quotes the line break is data
  EXPECT_EQ(rows[1].Get("name"), "c");       // no stray '\r'
  EXPECT_EQ(rows[2].Get("name"), "q");
  EXPECT_EQ(rows[1].line, 5u);
  EXPECT_EQ(rows[2].line, 6u);
}

TEST_F(RecordReaderTest, WrongCellCountIsReportedWithItsLineAndReadingGoesOn) {
  std::string path = Write("bad.csv",
                           "a,b,c\n"
                           "1,2,3\n"
                           "1,2\n"
                           "1,2,3,4\n"
                           "7,8,9\n"
                           "x,\"ab\"c,z\n"
                           "10,11,12\n");
  auto rows = ReadAll(path);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_FALSE(rows[0].error.bad);
  EXPECT_TRUE(rows[1].error.bad);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[1].error.reason, "row has 2 cells; the header has 3");
  EXPECT_TRUE(rows[1].fields.empty());
  EXPECT_TRUE(rows[2].error.bad);
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].error.reason, "row has 4 cells; the header has 3");
  EXPECT_FALSE(rows[3].error.bad);
  EXPECT_EQ(rows[3].Get("c"), "9");
  EXPECT_TRUE(rows[4].error.bad);
  EXPECT_EQ(rows[4].line, 6u);
  EXPECT_NE(rows[4].error.reason.find("after its closing quote"), std::string::npos);
  EXPECT_FALSE(rows[5].error.bad);
  EXPECT_EQ(rows[5].Get("a"), "10");
  EXPECT_EQ(rows[5].line, 7u);
}

TEST_F(RecordReaderTest, InvalidUtf8IsABadRowNamingItsCell) {
  auto rows = ReadAll(Write("utf8.csv", "id,name\nC1,Zo\xc3\xab\nCU\xff" "1,x\nC3,\"P00\xc3\"\nC4,ok\n"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_FALSE(rows[0].error.bad) << "valid UTF-8 passes";
  EXPECT_EQ(rows[0].Get("name"), "Zo\xc3\xab");
  EXPECT_TRUE(rows[1].error.bad);
  EXPECT_EQ(rows[1].error.field, "id");
  EXPECT_EQ(rows[1].error.reason, "not valid UTF-8");
  EXPECT_TRUE(rows[2].error.bad);
  EXPECT_EQ(rows[2].error.field, "name") << "a quoted cell too";
  EXPECT_FALSE(rows[3].error.bad);
}

TEST_F(RecordReaderTest, UnclosedQuoteIsABadRowAtItsLine) {
  auto rows = ReadAll(Write("open.csv", "a,b\n1,2\n3,\"never closed\n4,5\n"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].error.bad);
  EXPECT_TRUE(rows[1].error.bad);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_NE(rows[1].error.reason.find("not closed"), std::string::npos);
}

TEST_F(RecordReaderTest, MapRenamesColumnsAndKeepsTheOthers) {
  std::string path = Write("m.csv", "InvoiceNo,CustomerID,Country\nA1,17850.0,France\n");
  ReaderOptions options;
  options.map = {
      {"customer_id", "CustomerID"}, {"order_id", "InvoiceNo"}, {"event_id", "InvoiceNo"}};
  auto reader = RecordReader::Open(path, options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->columns(),
            (std::vector<std::string>{"order_id", "event_id", "customer_id", "Country"}));
  auto rows = ReadAll(path, options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Get("customer_id"), "17850.0");
  EXPECT_EQ(rows[0].Get("order_id"), "A1");
  EXPECT_EQ(rows[0].Get("event_id"), "A1");
  EXPECT_EQ(rows[0].Get("Country"), "France");
  EXPECT_EQ(rows[0].Get("CustomerID"), "<absent>");
}

TEST_F(RecordReaderTest, BadMapsAndHeadersFailAtOpen) {
  std::string path = Write("m.csv", "InvoiceNo,CustomerID,customer_id\nA1,1,2\n");
  ReaderOptions options;
  options.map = {{"customer_id", "CustID"}};
  auto r = RecordReader::Open(path, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no column CustID"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("InvoiceNo, CustomerID, customer_id"), std::string::npos);
  EXPECT_NE(r.status().message().find(path), std::string::npos);

  options.map = {{"customer_id", "CustomerID"}};  // collides with the column customer_id
  r = RecordReader::Open(path, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("field customer_id would come from both"), std::string::npos)
      << r.status().message();

  r = RecordReader::Open(Write("dup.csv", "a,b,a\n1,2,3\n"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("column a appears twice"), std::string::npos);

  r = RecordReader::Open(Write("empty.csv", ""), {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("header"), std::string::npos);

  options.map = {{"x", "a"}, {"x", "b"}};
  r = RecordReader::Open(Write("ok.csv", "a,b\n"), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "map");
}

TEST_F(RecordReaderTest, HeaderOnlyAndEmptyHeaderColumns) {
  EXPECT_TRUE(ReadAll(Write("h.csv", "a,b\n")).empty());
  auto rows = ReadAll(Write("e.csv", "a,,b\n1,x,2\n"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields.size(), 2u);  // the nameless column is dropped
  EXPECT_EQ(rows[0].Get("b"), "2");
}

TEST_F(RecordReaderTest, ParseFieldMap) {
  auto m = ParseFieldMap("customer_id=CustomerID, timestamp = InvoiceDate");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, (FieldMap{{"customer_id", "CustomerID"}, {"timestamp", "InvoiceDate"}}));
  ASSERT_TRUE(ParseFieldMap("").ok());
  EXPECT_TRUE(ParseFieldMap("")->empty());

  struct Case {
    const char* spec;
    const char* quoted;
  };
  for (const Case& c :
       {Case{"a=B,cD", "\"cD\""}, Case{"a=B,=C", "\"=C\""}, Case{"a=B,d=", "\"d=\""},
        Case{"a=B,a=C", "field a is mapped twice"}, Case{"a=B,", "\"\""}}) {
    auto bad = ParseFieldMap(c.spec);
    ASSERT_FALSE(bad.ok()) << c.spec;
    EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(bad.status().field(), "map");
    EXPECT_NE(bad.status().message().find(c.quoted), std::string::npos)
        << c.spec << " -> " << bad.status().message();
  }
}

TEST_F(RecordReaderTest, GzipIsRecognisedByMagicWhateverTheName) {
  const std::string csv = "a,b\n1,2\n3,4\n";
  for (const char* name : {"named.csv", "noextension", "right.csv.gz"}) {
    auto rows = ReadAll(WriteGz(name, csv));
    ASSERT_EQ(rows.size(), 2u) << name;
    EXPECT_EQ(rows[1].Get("b"), "4") << name;
  }
  // A plain file with a .gz name is read as it is.
  auto rows = ReadAll(Write("plain.csv.gz", csv));
  ASSERT_EQ(rows.size(), 2u);
  // Content sniffing looks at the decompressed bytes.
  std::string ndjson = WriteGz("data.bin", "{\"a\":1}\n{\"a\":2}\n");
  auto reader = RecordReader::Open(ndjson, {});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->format(), FileFormat::kNdjson);
  rows = ReadAll(ndjson);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].Get("a"), "2");
}

TEST_F(RecordReaderTest, ExplicitFormatOverridesTheName) {
  ReaderOptions options;
  options.format = FileFormat::kCsv;
  auto rows = ReadAll(Write("x.json", "a,b\n1,2\n"), options);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Get("a"), "1");
}

TEST_F(RecordReaderTest, NdjsonWithBadLinesGoesOn) {
  std::string path =
      Write("e.ndjson",
            "{\"event_id\":\"e1\",\"CustomerID\":17850,\"q\":\"a\\\"b\",\"n\":null}\n"
            "\n"
            "{\"event_id\":\"e2\",\n"
            "[1,2]\n"
            "{\"event_id\":\"e3\",\"nested\":{\"x\":1}}\n"
            "  {\"event_id\":\"e4\",\"ok\":true}  \r\n"
            "{\"a\":[[[[1]]]]}\n");
  ReaderOptions options;
  options.map = {{"customer_id", "CustomerID"}};
  options.max_depth = 3;
  auto reader = RecordReader::Open(path, options);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->columns().empty());
  auto rows = ReadAll(path, options);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_FALSE(rows[0].error.bad);
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[0].Get("customer_id"), "17850");
  EXPECT_EQ(rows[0].Get("CustomerID"), "<absent>");
  EXPECT_EQ(rows[0].Get("q"), "a\"b");
  EXPECT_TRUE(rows[1].error.bad);
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_NE(rows[1].error.reason.find("malformed JSON"), std::string::npos) << rows[1].error.reason;
  EXPECT_TRUE(rows[2].error.bad);
  EXPECT_EQ(rows[2].line, 4u);
  EXPECT_EQ(rows[2].error.reason, "line is not a JSON object");
  EXPECT_TRUE(rows[3].error.bad);
  EXPECT_EQ(rows[3].line, 5u);
  EXPECT_EQ(rows[3].error.field, "nested");
  EXPECT_FALSE(rows[4].error.bad);
  EXPECT_EQ(rows[4].line, 6u);
  EXPECT_EQ(rows[4].Get("ok"), "true");
  EXPECT_TRUE(rows[5].error.bad);
  EXPECT_NE(rows[5].error.reason.find("nesting depth 5"), std::string::npos);
}

TEST_F(RecordReaderTest, NdjsonKeyCollidingWithAMappedFieldIsABadRow) {
  std::string path = Write("c.jsonl",
                           "{\"user\":\"u1\",\"customer_id\":\"c1\"}\n"
                           "{\"customer_id\":\"c2\"}\n");
  ReaderOptions options;
  options.map = {{"customer_id", "user"}};
  auto rows = ReadAll(path, options);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].error.bad);
  EXPECT_EQ(rows[0].error.field, "customer_id");
  EXPECT_FALSE(rows[1].error.bad);
  EXPECT_EQ(rows[1].Get("customer_id"), "c2");
}

TEST_F(RecordReaderTest, JsonArrayFileIsRefused) {
  auto r = RecordReader::Open(Write("a.json", "[{\"a\":1}]\n"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("JSON array"), std::string::npos);
}

TEST_F(RecordReaderTest, OpenErrorsNameThePath) {
  std::string missing = (dir_ / "missing.csv").string();
  auto r = RecordReader::Open(missing, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_NE(r.status().message().find(missing), std::string::npos);
  r = RecordReader::Open(dir_.string(), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kIoError);
}

TEST_F(RecordReaderTest, TruncatedGzipIsAReadError) {
  std::string body = "a,b\n";
  std::mt19937 rng(7);
  for (int i = 0; i < 50'000; ++i)
    body += std::to_string(rng()) + "," + std::to_string(rng()) + "\n";
  std::string path = WriteGz("t.csv.gz", body);
  fs::resize_file(path, fs::file_size(path) / 2);
  auto reader = RecordReader::Open(path, {});
  ASSERT_TRUE(reader.ok());
  Record record;
  RowError error;
  uint64_t rows = 0;
  while ((*reader)->Next(record, error)) ++rows;
  EXPECT_LT(rows, 50'000u);
  EXPECT_EQ((*reader)->status().code(), Code::kIoError);
  EXPECT_NE((*reader)->status().message().find(path), std::string::npos);
}

// Rows and cells straddling the 1 MiB read chunks, including a row larger
// than a chunk, come out whole.
TEST_F(RecordReaderTest, RowsAcrossChunkBoundaries) {
  std::mt19937 rng(42);
  std::string body = "id,text,n\r\n";
  std::vector<std::string> texts;
  for (int i = 0; i < 60'000; ++i) {
    std::string text;
    size_t len = rng() % 60;
    for (size_t k = 0; k < len; ++k) text.push_back("ab,\"\n x"[rng() % 7]);
    if (i == 30'000) text.assign(3 << 20, 'y');
    texts.push_back(text);
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    body += std::to_string(i) + "," + quoted + "\"," + std::to_string(i * 7) + "\r\n";
  }
  for (const std::string& path : {Write("big.csv", body), WriteGz("big2.csv", body)}) {
    auto rows = ReadAll(path);
    ASSERT_EQ(rows.size(), texts.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_FALSE(rows[i].error.bad) << i << ": " << rows[i].error.reason;
      ASSERT_EQ(rows[i].Get("id"), std::to_string(i));
      ASSERT_EQ(rows[i].Get("text"), texts[i]) << i;
      ASSERT_EQ(rows[i].Get("n"), std::to_string(i * 7));
    }
  }
}

// Each delimiter of `"...""z",q\r\n` in turn falls on the first chunk's
// last byte (the reader asks for 1 MiB at a time).
TEST_F(RecordReaderTest, DelimitersOnTheChunkEdge) {
  constexpr size_t kChunk = size_t{1} << 20;
  const std::string header = "a,b\r\n";
  const std::string tail = "\"\"z\",q\r\n";
  for (size_t k = 0; k < tail.size() + 2; ++k) {
    // The opening quote is at header.size(); tail[k] lands on kChunk - 1.
    size_t xs = kChunk - 1 - k - header.size() - 1;
    std::string body = header + "\"" + std::string(xs, 'x') + tail + "2,3\r\n";
    auto rows = ReadAll(Write("edge.csv", body));
    ASSERT_EQ(rows.size(), 2u) << k;
    EXPECT_FALSE(rows[0].error.bad) << k << ": " << rows[0].error.reason;
    EXPECT_EQ(rows[0].Get("a"), std::string(xs, 'x') + "\"z") << k;
    EXPECT_EQ(rows[0].Get("b"), "q") << k;
    EXPECT_EQ(rows[1].Get("a"), "2") << k;
    EXPECT_EQ(rows[1].line, 3u) << k;
  }
  // A lone '\r' after a closing quote is not a line break, even on the edge.
  for (size_t k = 0; k < 2; ++k) {
    size_t xs = kChunk - 1 - k - 3 - 2;
    std::string body = "a\r\n\"" + std::string(xs, 'x') + "\"\r\r\n2\r\n";
    auto rows = ReadAll(Write("cr.csv", body));
    ASSERT_EQ(rows.size(), 2u) << k;
    EXPECT_TRUE(rows[0].error.bad) << k;
    EXPECT_NE(rows[0].error.reason.find("after its closing quote"), std::string::npos) << k;
    EXPECT_EQ(rows[1].Get("a"), "2") << k;
  }
}

TEST_F(RecordReaderTest, NdjsonAcrossChunkBoundaries) {
  std::string body;
  for (int i = 0; i < 40'000; ++i)
    body += "{\"i\":" + std::to_string(i) + ",\"pad\":\"" +
            std::string(static_cast<size_t>(i % 97), 'p') + "\"}\n";
  auto rows = ReadAll(WriteGz("n.ndjson.gz", body));
  ASSERT_EQ(rows.size(), 40'000u);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_FALSE(rows[i].error.bad) << i;
    ASSERT_EQ(rows[i].line, i + 1);
    ASSERT_EQ(rows[i].Get("i"), std::to_string(i));
  }
}

TEST_F(RecordReaderTest, ProgressCountersMove) {
  std::mt19937 rng(1);
  std::string body = "a,b\n";
  for (int i = 0; i < 200'000; ++i)
    body += std::to_string(rng()) + "," + std::to_string(rng()) + "\n";
  for (const std::string& path : {WriteGz("p.csv.gz", body), Write("p.csv", body)}) {
    auto reader = RecordReader::Open(path, {});
    ASSERT_TRUE(reader.ok());
    const uint64_t size = fs::file_size(path);
    EXPECT_EQ((*reader)->file_size(), size);
    Record record;
    RowError error;
    uint64_t first = 0, last = 0, changes = 0, rows = 0;
    while ((*reader)->Next(record, error)) {
      uint64_t now = (*reader)->bytes_read();
      if (rows++ == 0) first = now;
      ASSERT_GE(now, last);
      changes += now != last;
      last = now;
    }
    EXPECT_EQ(rows, 200'000u);
    EXPECT_GT(first, 0u) << path;
    EXPECT_LT(first, size) << path;
    EXPECT_GE(changes, 3u) << path;
    EXPECT_EQ((*reader)->bytes_read(), size) << path;
  }
}

}  // namespace
}  // namespace confide
