// What several rule invariants (invariants that judge a step: a node's state
// before and after one event, and the message that caused it) read alike.
//
// A rule reads the world's account of the last event:
//   const Message* world.delivered()     the message delivered, or nullptr
//   NodeIndex world.delivered_from()     its sender
//   world.for_each_sent(f)               f(NodeIndex to, const Message&) for
//                                        each message the touched node sent
// and the touched node's view after the event; what it needs of "before" it
// keeps itself, per node, updated at every check of that node (so that it is
// the node's state as it is now, and the model checker need not encode it).
#pragma once

#include "invariants/log_view.hpp"

#include <span>

#include "protocols/protocol.hpp"

namespace skiff::invariants {

// What a node's disk holds: the log itself for a protocol whose log is all
// durable (skiff's Raft), durable_log() for one that says otherwise (libraft).
template <class Node>
auto stored_log(const Node& node) {
  if constexpr (requires { node.durable_log(); })
    return LogView<std::remove_cvref_t<decltype(node.durable_log())>>{0, node.durable_log(), 0};
  else
    return log_view(node);
}

// Whether a node counts in majorities (Raft's learners do not).
template <class World>
bool is_voter(const World& world, NodeIndex node) {
  if constexpr (requires { world.options().votes(node); })
    return world.options().votes(node);
  else
    return true;
}

template <class World>
int voter_majority(const World& world) {
  int voters = 0;
  for (int i = 0; i < world.node_count(); ++i) voters += is_voter(world, NodeIndex(i));
  return voters / 2 + 1;
}

// The same in the configuration in effect at node `judge` (Raft with
// membership changes: the latest configuration in its log), for a protocol
// whose nodes say (`configuration()`); the fixed membership otherwise.
template <class World>
bool is_voter_for(const World& world, NodeIndex judge, NodeIndex node) {
  if constexpr (requires { world.node(judge).configuration().votes(node); })
    return world.node(judge).configuration().votes(node);
  else
    return is_voter(world, node);
}
template <class World>
int voter_majority_for(const World& world, NodeIndex judge) {
  int voters = 0;
  for (int i = 0; i < world.node_count(); ++i) voters += is_voter_for(world, judge, NodeIndex(i));
  return voters / 2 + 1;
}

}  // namespace skiff::invariants
