// CSV files: headers, label columns by name and by index, quoting, line ends, encoded class
// names, and an IoError naming the line and column for every kind of bad cell.
#include <catch2/catch.hpp>

#include "data/temp_dir.hpp"
#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;
using xg::testing::TempDir;
using xg::testing::write_text;

TEST_CASE("read_csv: a header and a label column chosen by name") {
  TempDir dir;
  write_text(dir / "t.csv", "a,label,b\n1,0,2.5\n-3,2,4e1\n");
  auto t = read_csv(dir / "t.csv", {.label = "label"});
  CHECK(t.data.equal(tensor({{1.0f, 2.5f}, {-3.0f, 40.0f}})));
  CHECK(t.target.equal(tensor({0, 2})));
  CHECK(t.columns == std::vector<std::string>{"a", "b"});
  CHECK(t.label_name == "label");
  auto ds = t.dataset();
  CHECK(ds.size() == 2);
  CHECK(ds.get(1).target.item<std::int64_t>() == 2);
}

TEST_CASE("read_csv: label by index, no header, float labels and no labels") {
  TempDir dir;
  write_text(dir / "t.csv", "1,2,0.5\n3,4,1.5\n");
  auto last = read_csv(dir / "t.csv", {.header = false, .label = -1, .label_dtype = kFloat64});
  CHECK(last.data.equal(tensor({{1.0f, 2.0f}, {3.0f, 4.0f}})));
  CHECK(last.target.equal(tensor({0.5, 1.5}, kFloat64)));
  CHECK(last.columns.empty());
  auto first = read_csv(dir / "t.csv", {.header = false, .label = 0, .dtype = kFloat64, .label_dtype = kFloat32});
  CHECK(first.data.equal(tensor({{2.0, 0.5}, {4.0, 1.5}}, kFloat64)));
  auto all = read_csv(dir / "t.csv", {.header = false});
  CHECK(all.data.sizes() == Shape{2, 3});
  CHECK_FALSE(all.target.defined());
}

TEST_CASE("read_csv: quotes, CRLF line ends, blank lines, spaces and other delimiters") {
  TempDir dir;
  write_text(dir / "t.csv", "\"x, first\";\"say \"\"y\"\"\"\r\n 1 ; \"2\" \r\n\r\n+3;-4\r\n");
  auto t = read_csv(dir / "t.csv", {.label = "say \"y\"", .delimiter = ';'});
  CHECK(t.columns == std::vector<std::string>{"x, first"});
  CHECK(t.data.equal(tensor({{1.0f}, {3.0f}})));
  CHECK(t.target.equal(tensor({2, -4})));
}

TEST_CASE("read_csv: class names become indices in sorted order") {
  TempDir dir;
  write_text(dir / "iris.csv", "w,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n");
  auto t = read_csv(dir / "iris.csv", {.label = "species", .encode_labels = true});
  CHECK(t.classes == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  CHECK(t.target.equal(tensor({2, 0, 1, 0})));
  CHECK_THROWS_AS(read_csv(dir / "iris.csv", {.label = "species"}), IoError);
  CHECK_THROWS_AS(read_csv(dir / "iris.csv", {.label = "species", .label_dtype = kFloat32, .encode_labels = true}),
                  DtypeError);
}

TEST_CASE("read_csv: a cell that is not a number names its line and column") {
  TempDir dir;
  write_text(dir / "t.csv", "a,b\n1,2\n3,abc\n");
  CHECK_THROWS_AS(read_csv(dir / "t.csv"), IoError);
  CHECK_THROWS_WITH(read_csv(dir / "t.csv"), Catch::Contains("line 3") && Catch::Contains("column 2") &&
                                                 Catch::Contains("'b'") && Catch::Contains("abc"));
  write_text(dir / "empty_cell.csv", "1,2\n3,\n");
  CHECK_THROWS_WITH(read_csv(dir / "empty_cell.csv", {.header = false}),
                    Catch::Contains("line 2") && Catch::Contains("empty"));
  write_text(dir / "trailing.csv", "1,2x\n");
  CHECK_THROWS_WITH(read_csv(dir / "trailing.csv", {.header = false}), Catch::Contains("2x"));
  write_text(dir / "fraction.csv", "1,2.5\n");
  CHECK_THROWS_WITH(read_csv(dir / "fraction.csv", {.header = false, .label = 1}),
                    Catch::Contains("not an integer class label"));
}

TEST_CASE("read_csv: ragged rows, open quotes and missing files throw IoError") {
  TempDir dir;
  write_text(dir / "ragged.csv", "a,b\n1,2\n3\n");
  CHECK_THROWS_WITH(read_csv(dir / "ragged.csv"), Catch::Contains("line 3") && Catch::Contains("1 fields"));
  write_text(dir / "quote.csv", "a,b\n1,\"2\n");
  CHECK_THROWS_WITH(read_csv(dir / "quote.csv"), Catch::Contains("not closed"));
  CHECK_THROWS_WITH(read_csv(dir / "none.csv"), Catch::Contains("does not exist"));
  write_text(dir / "blank.csv", "");
  CHECK_THROWS_AS(read_csv(dir / "blank.csv"), IoError);
}

TEST_CASE("read_csv: label columns that do not exist throw ValueError or IndexError") {
  TempDir dir;
  write_text(dir / "t.csv", "a,b\n1,2\n");
  CHECK_THROWS_AS(read_csv(dir / "t.csv", {.label = "c"}), ValueError);
  CHECK_THROWS_WITH(read_csv(dir / "t.csv", {.label = "c"}), Catch::Contains("'a', 'b'"));
  CHECK_THROWS_AS(read_csv(dir / "t.csv", {.label = 2}), IndexError);
  CHECK_THROWS_AS(read_csv(dir / "t.csv", {.label = -3}), IndexError);
  CHECK_THROWS_AS(read_csv(dir / "t.csv", {.header = false, .label = "a"}), ValueError);
  write_text(dir / "one.csv", "y\n1\n");
  CHECK_THROWS_AS(read_csv(dir / "one.csv", {.label = "y"}), ValueError);
}

TEST_CASE("read_csv: a header without rows gives empty tensors") {
  TempDir dir;
  write_text(dir / "t.csv", "a,b,y\n");
  auto t = read_csv(dir / "t.csv", {.label = "y"});
  CHECK(t.data.sizes() == Shape{0, 2});
  CHECK(t.target.sizes() == Shape{0});
}
