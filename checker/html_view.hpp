// The trace viewer: a trace replayed into one self-contained HTML page, a
// space-time diagram (one lane per node, time flowing down, an arrow per
// delivered message) with each node's state after every event.
//
// The page loads nothing: its data (JSON), styles and script are inline, so
// it opens from a file with no network. Same trace, same bytes. It knows no
// protocol: node states and messages are the protocol's own one-line prints
// (the leading words of a node's print, before its first `key=value`, are
// shown along its lane: for Raft, its role and term). docs/viewer.md
// describes it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "checker/driver.hpp"
#include "checker/trace.hpp"

namespace skiff {

// What a replay shows, as the page embeds it (documented in html_view.cpp).
// Strict replay; a trace that does not replay is shown up to where it stops,
// with the reason. Throws InputError (naming `file`) for unknown bugs.
nlohmann::json view_data(const ProtocolDriver& driver, const Trace& trace, const std::string& file,
                         ReplayReport* report = nullptr);

// The page for `data` (from view_data): the template with the data inlined.
std::string render_html(const nlohmann::json& data);

// TEXT with &, <, > and " written as HTML character references.
std::string html_escape(std::string_view text);

// view_data + render_html.
std::string build_html_page(const ProtocolDriver& driver, const Trace& trace, const std::string& file,
                            ReplayReport* report = nullptr);

// Throws InputError("--html: PATH: ...") unless PATH can be a file to write:
// not a directory, in a directory that exists.
void check_html_path(const std::string& path);

}  // namespace skiff
