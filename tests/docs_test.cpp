// The documentation's examples are what skiff writes today. An example block
// in docs/*.md or README.md is marked by an HTML comment just before it:
//
//   <!-- example: skiff explore raft ... --out DIR; file DIR/raft-1.trace -->
//   ```
//   ...the block...
//   ```
//
// The test runs the commands (several joined by " && "; DIR is a fresh
// folder, `skiff` the binary under test, run from the source folder) and
// compares the named file (or `stdout`, the last command's output) with the
// block line by line. A line "..." in the block stands for one or more lines
// left out. On a mismatch the failure shows what skiff wrote, to paste in.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace skiff {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

struct Example {
  std::string doc;       // e.g. docs/trace-format.md
  int line = 0;          // of the marker
  std::string commands;  // "skiff ... && skiff ..."
  std::string output;    // "DIR/raft-1.trace" or "stdout"
  std::vector<std::string> block;
};

std::vector<Example> examples_in(const std::string& doc) {
  static const std::regex marker(R"(^<!-- example: (.*); (file (\S+)|stdout) -->$)");
  std::vector<Example> found;
  const std::vector<std::string> lines = split_lines(read_text(fs::path(SKIFF_SOURCE_DIR) / doc));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::smatch m;
    if (!std::regex_match(lines[i], m, marker)) continue;
    Example e{doc, int(i + 1), m[1], m[3].matched ? std::string(m[3]) : "stdout", {}};
    std::size_t j = i + 1;
    if (j >= lines.size() || lines[j] != "```") {
      ADD_FAILURE() << doc << ":" << i + 1 << ": an example marker must be followed by a ``` block";
      continue;
    }
    for (++j; j < lines.size() && lines[j] != "```"; ++j) e.block.push_back(lines[j]);
    found.push_back(std::move(e));
  }
  return found;
}

// Whether `actual` is `expected`, where a "..." line of `expected` stands for
// one or more lines.
bool matches(const std::vector<std::string>& expected, std::size_t e, const std::vector<std::string>& actual,
             std::size_t a) {
  if (e == expected.size()) return a == actual.size();
  if (expected[e] == "...") {
    for (std::size_t skip = a + 1; skip <= actual.size(); ++skip)
      if (matches(expected, e + 1, actual, skip)) return true;
    return false;
  }
  return a < actual.size() && actual[a] == expected[e] && matches(expected, e + 1, actual, a + 1);
}

class DocExamples : public ::testing::TestWithParam<std::string> {};

TEST_P(DocExamples, AreWhatSkiffWrites) {
  const std::vector<Example> examples = examples_in(GetParam());
  ASSERT_FALSE(examples.empty()) << GetParam() << " has no example marked";
  int n = 0;
  for (const Example& e : examples) {
    SCOPED_TRACE(e.doc + ":" + std::to_string(e.line));
    const fs::path dir = fs::temp_directory_path() / ("skiff-docs-test-" + std::to_string(::getpid()) + "-" +
                                                      std::to_string(n++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string script = "cd '" + std::string(SKIFF_SOURCE_DIR) + "'";
    std::istringstream commands(replace_all(e.commands, " && ", "\n"));
    for (std::string command; std::getline(commands, command);) {
      ASSERT_EQ(command.rfind("skiff ", 0), 0u) << "not a skiff command: " << command;
      command = replace_all(command, "DIR", dir.string());
      script += " && { '" + std::string(SKIFF_BINARY) + "'" + command.substr(5) + " > '" + (dir / "stdout").string() +
                "' 2>/dev/null; [ $? -le 1 ]; }";
    }
    ASSERT_EQ(std::system(script.c_str()), 0) << script;
    const fs::path output =
        e.output == "stdout" ? dir / "stdout" : fs::path(replace_all(e.output, "DIR", dir.string()));
    const std::string actual = read_text(output);
    EXPECT_TRUE(matches(e.block, 0, split_lines(actual), 0))
        << e.doc << ":" << e.line << ": the example is not what `" << e.commands << "` writes to " << e.output
        << " today, which is:\n"
        << actual;
    fs::remove_all(dir);
  }
}

INSTANTIATE_TEST_SUITE_P(Docs, DocExamples, ::testing::Values("docs/trace-format.md"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace skiff
