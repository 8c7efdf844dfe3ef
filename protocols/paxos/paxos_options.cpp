#include "protocols/paxos/paxos_options.hpp"

namespace skiff::paxos {

namespace {
constexpr BugInfo kBugs[] = {
    {"ignore-accepted-values",
     "a proposer does not adopt the values reported in promises: it proposes its own (or a no-op)"},
    {"adopt-any-accepted",
     "a proposer adopts the first value reported in promises, not the one with the highest ballot"},
    {"forget-promise-on-restart", "the promised ballot is not durable: a restarted acceptor forgets it"},
    {"forget-accepted-on-restart",
     "the accepted ballot and value are not durable: a restarted acceptor forgets them"},
    {"accept-below-promise", "an acceptor accepts without checking ballot >= promised ballot"},
    {"count-duplicate-promises", "a proposer counts promise messages, not distinct acceptors"},
    {"compare-rounds-only",
     "(deep) a proposer ranks the votes reported in promises by ballot round only, not (round, proposer): of "
     "two votes of one round it keeps the first"},
    {"forget-unlearned-votes-on-restart",
     "(deep) an acceptor persists a vote only once its own learner has learned that slot: a restarted "
     "acceptor forgets its votes in slots it had not learned"},
};
static_assert(std::size(kBugs) == std::size_t(Bug::Count));
}  // namespace

std::span<const BugInfo> bug_table() { return kBugs; }

bool Options::enable_bug(std::string_view name) { return enable_bug_in(kBugs, bugs, name); }

std::vector<std::string> Options::enabled_bugs() const { return bugs_named_in(kBugs, bugs); }

}  // namespace skiff::paxos
