#include "protocols/raft/raft_node.hpp"

#include <algorithm>
#include <csignal>
#include <bit>
#include <stdexcept>
#include <fmt/format.h>

namespace skiff::raft {

namespace {
// The buffer of the seeded bug throw-on-long-log.
constexpr std::size_t kSeededLogBuffer = 3;
}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Follower: return "follower";
    case Role::Candidate: return "candidate";
    case Role::Leader: return "leader";
    case Role::PreCandidate: return "precandidate";
  }
  return "?";
}

Node::Node(NodeIndex self, int node_count, const Options& options)
    : self_(self), node_count_(std::uint8_t(node_count)), options_(options) {
  const NodeBits all = NodeBits((1u << node_count) - 1);
  boot_config_.voters = NodeBits(all & ~(options.learners | options.spares));
  boot_config_.learners = NodeBits(all & options.learners);
  config_ = boot_config_;
  if (options.initial) {  // a scenario's initial state (Options::set_initial_state checked it)
    const InitialNodeState& mine = options.initial->nodes[self];
    durable_.current_term = Term(mine.epoch);
    durable_.voted_for = std::int8_t(mine.voted_for);
    for (const std::uint64_t term : mine.log) durable_.log.push_back(Entry{Term(term), 0});
    if (!durable_.log.empty()) log_writes_.wrote(0);
    refresh_configuration();
  }
}

void Node::refresh_configuration() {
  config_ = durable_.snapshot_index ? durable_.snapshot_config : boot_config_;
  config_index_ = durable_.snapshot_index;
  for (LogIndex i = last_log_index(); i > durable_.snapshot_index; --i)
    if (entry_at(i).is_configuration()) {
      config_ = entry_at(i).configuration();
      config_index_ = i;
      return;
    }
}

std::optional<NodeIndex> Node::voted_for() const {
  if (durable_.voted_for < 0) return std::nullopt;
  return NodeIndex(durable_.voted_for);
}

void Node::start(Fx& fx) {
  log_writes_.begin_event();
  fx.arm(kElectionTimer);
  if (!options_.initial || options_.initial->elected < 0) return;
  // The run starts with a leader elected: it leads; the nodes of its term follow it.
  if (options_.initial->elected == self_) {
    volatile_.match_index[self_] = last_log_index();
    become_leader(fx);
  } else if (durable_.current_term == Term(options_.initial->elected_epoch)) {
    volatile_.leader = std::int8_t(options_.initial->elected);
    volatile_.heard_from_leader = true;
  }
}

void Node::arm_election_timer(Fx& fx) {
  fx.arm(kElectionTimer, options_.has(Variant::Backoff) ? std::min(volatile_.failed_elections, kMaxBackoff) : 0);
}

void Node::crash() {
  log_writes_.begin_event();
  if (options_.has(Bug::ForgetVoteOnRestart)) durable_.voted_for = -1;  // seeded: not persisted
  if (options_.has(Bug::ForgetTermOnRestart)) durable_.current_term = 0;  // seeded: not persisted
  if (options_.has(Bug::AckBeforePersist)) {  // seeded: acknowledged, never written
    log_writes_.wrote(last_log_index() - std::min<std::size_t>(volatile_.unsynced, durable_.log.size()));
    durable_.log.resize(durable_.log.size() - std::min<std::size_t>(volatile_.unsynced, durable_.log.size()));
    if (config_index_ > last_log_index()) refresh_configuration();
  }
  volatile_ = Volatile{};
  if (durable_.snapshot_index) [[unlikely]] {  // the state machine restarts from the snapshot
    volatile_.commit_index = durable_.snapshot_index;
    volatile_.applied.assign(durable_.snapshot_state.begin(), durable_.snapshot_state.end());
    refresh_configuration();
  }
}

void Node::restart(Fx& fx) {
  log_writes_.begin_event();
  if (options_.has(Bug::CommitWholeLogOnRestart)) {  // seeded: uncommitted entries too
    volatile_.commit_index = last_log_index();
    apply_committed();
  }
  fx.arm(kElectionTimer);
}

bool Node::on_client_command(Command command, Fx& fx) {
  log_writes_.begin_event();
  if (!is_leader() || volatile_.transfer_to >= 0 || (command & kConfigurationBit)) return false;
  log_writes_.wrote(last_log_index());
  durable_.log.push_back(Entry{durable_.current_term, command});
  volatile_.match_index[self_] = last_log_index();
  broadcast_append_entries(/*with_entries=*/true, fx);
  advance_leader_commit(fx);
  return true;
}

void Node::on_timer(TimerId timer, Fx& fx) {
  log_writes_.begin_event();
  if (timer == kElectionTimer) {
    if (is_leader()) return;
    volatile_.heard_from_leader = false;
    if (!may_stand()) {  // passive, learner or outside the configuration: only watches for a leader
      fx.cancel(kElectionTimer);
      return;
    }
    if (volatile_.role != Role::Follower && volatile_.failed_elections < 255) volatile_.failed_elections += 1;
    if (options_.has(Variant::PreVote))
      start_pre_vote(fx);
    else
      start_election(fx);
  } else if (timer == kHeartbeatTimer) {
    if (is_leader()) broadcast_append_entries(/*with_entries=*/false, fx);
  } else if (timer == kCheckQuorumTimer) {
    check_quorum(fx);
  } else if (timer == kTransferTimer) {
    end_transfer(fx);  // given up
  }
}

void Node::on_message(NodeIndex from, const Message& message, Fx& fx) {
  log_writes_.begin_event();
  // All servers: a higher term in any request or response makes us a follower;
  // but a pre-vote, and a granted pre-vote reply, only name a term that
  // nobody holds yet.
  const bool future_term = message.type == MessageType::PreVote ||
                           (message.type == MessageType::PreVoteReply && message.success);
  if (message.term > durable_.current_term && !future_term) become_follower(message.term, fx);
  if (is_leader() && message.term == durable_.current_term)
    volatile_.heard_since_check |= NodeBits(1u << from);
  switch (message.type) {
    case MessageType::RequestVote: handle_request_vote(from, message, fx); break;
    case MessageType::RequestVoteReply: handle_vote_reply(from, message, fx); break;
    case MessageType::AppendEntries: handle_append_entries(from, message, fx); break;
    case MessageType::AppendEntriesReply: handle_append_reply(from, message, fx); break;
    case MessageType::PreVote: handle_pre_vote(from, message, fx); break;
    case MessageType::PreVoteReply: handle_pre_vote_reply(from, message, fx); break;
    case MessageType::InstallSnapshot: handle_install_snapshot(from, message, fx); break;
    case MessageType::TimeoutNow:
      // From the leader of our term (a stale one is ignored): stand at once.
      if (message.term == durable_.current_term && volatile_.role == Role::Follower && may_stand())
        start_election(fx);
      break;
  }
}

void Node::become_follower(Term term, Fx& fx) {
  if (term > durable_.current_term) {
    durable_.current_term = term;
    durable_.voted_for = -1;
    volatile_.leader = -1;
  }
  if (volatile_.leader == std::int8_t(self_)) volatile_.leader = -1;
  volatile_.role = Role::Follower;
  volatile_.votes_granted = 0;
  volatile_.vote_messages = 0;
  volatile_.pre_votes = 0;
  volatile_.transfer_to = -1;
  fx.cancel(kHeartbeatTimer);
  fx.cancel(kCheckQuorumTimer);
  fx.cancel(kTransferTimer);
  arm_election_timer(fx);
}

void Node::start_election(Fx& fx) {
  durable_.current_term += 1;
  volatile_.leader = -1;
  durable_.voted_for = std::int8_t(self_);
  volatile_.role = Role::Candidate;
  volatile_.votes_granted = NodeBits(1u << self_);
  volatile_.vote_messages = 1;
  volatile_.pre_votes = 0;
  arm_election_timer(fx);
  Message request;
  request.type = MessageType::RequestVote;
  request.term = durable_.current_term;
  request.last_log_index = last_log_index();
  request.last_log_term = last_log_term();
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_ && config_.votes(peer)) fx.send(peer, request);
  if (won_election()) become_leader(fx);
}

void Node::start_pre_vote(Fx& fx) {
  volatile_.role = Role::PreCandidate;
  volatile_.pre_votes = NodeBits(1u << self_);
  arm_election_timer(fx);
  Message request;
  request.type = MessageType::PreVote;
  request.term = durable_.current_term + 1;
  request.last_log_index = last_log_index();
  request.last_log_term = last_log_term();
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_ && config_.votes(peer)) fx.send(peer, request);
  if (std::popcount(volatile_.pre_votes) >= majority()) start_election(fx);
}

void Node::handle_pre_vote(NodeIndex from, const Message& request, Fx& fx) {
  // A learner in its own configuration grants no pre-vote either.
  const bool grant = !config_.learns(self_) && !is_leader() && !volatile_.heard_from_leader &&
                     request.term > durable_.current_term && candidate_log_up_to_date(request);
  Message reply;
  reply.type = MessageType::PreVoteReply;
  reply.term = grant ? request.term : durable_.current_term;
  reply.success = grant;
  fx.send(from, reply);
}

void Node::handle_pre_vote_reply(NodeIndex from, const Message& reply, Fx& fx) {
  if (volatile_.role != Role::PreCandidate || !reply.success || reply.term != durable_.current_term + 1) return;
  if (!config_.votes(from)) return;
  volatile_.pre_votes |= NodeBits(1u << from);
  if (std::popcount(volatile_.pre_votes) >= majority()) start_election(fx);
}

void Node::check_quorum(Fx& fx) {
  if (!is_leader()) {
    fx.cancel(kCheckQuorumTimer);
    return;
  }
  int heard = 0;
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (config_.votes(peer) && (volatile_.heard_since_check & (1u << peer))) ++heard;
  if (heard >= majority()) {
    volatile_.heard_since_check = NodeBits(1u << self_);
    return;  // stays armed
  }
  become_follower(durable_.current_term, fx);  // steps down, keeps its term and vote
}

bool Node::won_election() const {
  if (options_.has(Bug::CountDuplicateVotes)) return volatile_.vote_messages >= majority();
  if (options_.has(Bug::CountVotesOfOldConfig))  // seeded: the boot configuration's majority
    return std::popcount(volatile_.votes_granted) >= boot_config_.majority();
  return std::popcount(volatile_.votes_granted) >= majority();
}

void Node::become_leader(Fx& fx) {
  volatile_.role = Role::Leader;
  volatile_.leader = std::int8_t(self_);
  for (NodeIndex peer = 0; peer < node_count_; ++peer) {
    volatile_.next_index[peer] = last_log_index() + 1;
    volatile_.match_index[peer] = 0;
  }
  volatile_.match_index[self_] = last_log_index();
  volatile_.failed_elections = 0;
  volatile_.transfer_to = -1;
  fx.cancel(kElectionTimer);
  fx.arm(kHeartbeatTimer);
  if (options_.has(Variant::CheckQuorum)) {
    volatile_.heard_since_check = NodeBits(1u << self_);
    fx.arm(kCheckQuorumTimer);
  }
  broadcast_append_entries(/*with_entries=*/false, fx);  // the initial heartbeat
}

bool Node::candidate_log_up_to_date(const Message& request) const {
  if (options_.has(Bug::VoteWithoutLogCheck)) return true;
  if (options_.has(Bug::UpToDateByIndexOnly)) return request.last_log_index >= last_log_index();
  if (request.last_log_term != last_log_term()) return request.last_log_term > last_log_term();
  return request.last_log_index >= last_log_index();
}

void Node::handle_request_vote(NodeIndex from, const Message& request, Fx& fx) {
  // A learner in its own configuration grants no vote (a learner=N node
  // until promoted). Any other node answers without consulting its
  // configuration (Ongaro's dissertation, 4.1): a node just added as a voter
  // may be needed for a majority before its configuration entry reaches it.
  bool grant = !config_.learns(self_) && request.term == durable_.current_term &&
               (durable_.voted_for < 0 || durable_.voted_for == std::int8_t(from)) &&
               candidate_log_up_to_date(request);
  if (grant) {
    durable_.voted_for = std::int8_t(from);
    fx.arm(kElectionTimer);  // granting a vote resets the election timer
  }
  Message reply;
  reply.type = MessageType::RequestVoteReply;
  reply.term = durable_.current_term;
  reply.success = grant;
  fx.send(from, reply);
}

void Node::handle_vote_reply(NodeIndex from, const Message& reply, Fx& fx) {
  if (volatile_.role != Role::Candidate || !reply.success) return;
  bool current = reply.term == durable_.current_term;
  bool stale_but_counted = options_.has(Bug::AcceptStaleVoteReply) && reply.term < durable_.current_term;
  if (!current && !stale_but_counted) return;
  if (!config_.votes(from)) return;  // a learner's vote counts for nothing, an outsider's neither
  volatile_.votes_granted |= NodeBits(1u << from);
  volatile_.vote_messages += 1;
  if (won_election()) become_leader(fx);
}

void Node::send_append_entries(NodeIndex peer, bool with_entries, Fx& fx) {
  if (volatile_.next_index[peer] <= durable_.snapshot_index) [[unlikely]] {  // compacted: only the snapshot has it
    send_install_snapshot(peer, fx);
    return;
  }
  Message request;
  request.type = MessageType::AppendEntries;
  request.term = durable_.current_term;
  request.prev_log_index = volatile_.next_index[peer] - 1;
  request.prev_log_term = term_at(request.prev_log_index);
  request.leader_commit = volatile_.commit_index;
  if (with_entries)
    request.entries.assign(durable_.log.begin() + (request.prev_log_index - durable_.snapshot_index), durable_.log.end());
  fx.send(peer, request);
}

void Node::broadcast_append_entries(bool with_entries, Fx& fx) {
  for (NodeIndex peer = 0; peer < node_count_; ++peer)
    if (peer != self_ && config_.member(peer)) send_append_entries(peer, with_entries, fx);
}

void Node::handle_append_entries(NodeIndex from, const Message& request, Fx& fx) {
  Message reply;
  reply.type = MessageType::AppendEntriesReply;
  reply.term = durable_.current_term;
  if (request.term < durable_.current_term) {  // 1. stale leader
    reply.match_index = request.prev_log_index;
    fx.send(from, reply);
    return;
  }
  // A current leader exists: candidates (and a leader, which only a seeded bug
  // could produce) step down, and the election timer is reset.
  if (volatile_.role != Role::Follower) become_follower(request.term, fx);
  volatile_.heard_from_leader = true;
  volatile_.failed_elections = 0;
  volatile_.leader = std::int8_t(from);
  arm_election_timer(fx);

  LogIndex prev = request.prev_log_index;
  const LogIndex snap = durable_.snapshot_index;
  // Entries up to the snapshot's are committed, so they match the leader's.
  if (prev > last_log_index() || (prev >= snap && term_at(prev) != request.prev_log_term)) {  // 2. consistency check
    reply.match_index = prev;
    fx.send(from, reply);
    return;
  }
  Log& log = durable_.log;
  const std::size_t length_before = log.size();
  // Whether the configuration in effect may change: an entry at or before
  // its entry may go, or a configuration entry may come.
  bool configuration_may_change = config_index_ > prev;
  for (const Entry& entry : request.entries) configuration_may_change |= entry.is_configuration();
  if (options_.has(Bug::TruncateOnStaleAppend)) {
    const LogIndex from = std::max(prev, snap);
    log_writes_.wrote(from);
    log.resize(from - snap);  // seeded: truncates even entries that match
    log.insert(log.end(), request.entries.begin() + (from - prev), request.entries.end());
  } else {
    for (std::size_t k = 0; k < request.entries.size(); ++k) {
      LogIndex index = prev + 1 + LogIndex(k);
      if (index <= snap) [[unlikely]]
        continue;  // in the snapshot
      if (index <= last_log_index()) {
        if (entry_at(index).term == request.entries[k].term) continue;
        if (options_.has(Bug::KeepSuffixOnConflict)) {  // seeded: overwritten in place, the rest kept
          log_writes_.wrote(index - 1);
          log[index - snap - 1] = request.entries[k];
          continue;
        }
        log_writes_.wrote(index - 1);
        log.resize(index - snap - 1);  // 3. conflict: delete the entry and all that follow
      }
      if (options_.has(Bug::ThrowOnLongLog) && log.size() >= kSeededLogBuffer)  // seeded: a buffer that is full
        throw std::length_error(fmt::format("append of entry {}: the log buffer holds {} entries", index,
                                            kSeededLogBuffer));
      log_writes_.wrote(last_log_index());
      log.push_back(request.entries[k]);  // 4. append new entries
    }
  }
  if (configuration_may_change) [[unlikely]]
    refresh_configuration();
  LogIndex last_new = prev + LogIndex(request.entries.size());
  if (options_.has(Bug::AckBeforePersist))  // the entries this message added at the end are not durable yet
    volatile_.unsynced = std::uint8_t(std::min<std::size_t>(255, log.size() > length_before ? log.size() - length_before : 0));
  if (request.leader_commit > volatile_.commit_index) {  // 5.
    const LogIndex bound = options_.has(Bug::CommitToLastLogIndex) ? last_log_index() : last_new;  // seeded
    volatile_.commit_index = options_.has(Bug::CommitToLeaderCommit)
                                 ? request.leader_commit
                                 : std::max(volatile_.commit_index, std::min(request.leader_commit, bound));
  }
  apply_committed();
  reply.success = true;
  reply.match_index = options_.has(Bug::AckLastLogIndex) ? last_log_index() : last_new;  // seeded: claims it all
  fx.send(from, reply);
}

void Node::handle_append_reply(NodeIndex from, const Message& reply, Fx& fx) {
  if (options_.has(Bug::CrashOnStaleAppendReply) && is_leader() && reply.term < durable_.current_term)
    std::raise(SIGSEGV);  // seeded: stands for a wild pointer in protocol code
  if (!is_leader() || reply.term != durable_.current_term) return;  // stale reply
  LogIndex& next = volatile_.next_index[from];
  LogIndex& match = volatile_.match_index[from];
  if (reply.success) {
    match = std::max(match, reply.match_index);
    next = std::max(next, reply.match_index + 1);
    advance_leader_commit(fx);
    if (!is_leader()) return;  // it removed itself, and that is committed
    if (match < last_log_index()) send_append_entries(from, /*with_entries=*/true, fx);
    else if (volatile_.transfer_to == std::int8_t(from)) send_timeout_now(fx);
  } else {
    // The follower lacks an entry matching prev_log_index: retry one earlier,
    // but never below what it is known to hold (a late failure reply).
    next = std::max<LogIndex>(match + 1, std::min(next, reply.match_index));
    send_append_entries(from, /*with_entries=*/true, fx);
  }
}

void Node::advance_leader_commit(Fx& fx) {
  for (LogIndex n = last_log_index(); n > volatile_.commit_index; --n) {
    if (term_at(n) != durable_.current_term && !options_.has(Bug::CommitPreviousTerm)) break;
    int replicas = 0;
    for (NodeIndex peer = 0; peer < node_count_; ++peer)
      if (volatile_.match_index[peer] >= n && config_.votes(peer)) ++replicas;
    if (replicas >= majority()) {
      volatile_.commit_index = n;
      break;
    }
  }
  apply_committed();
  // A leader outside its own configuration leads until that is committed.
  if (!config_.votes(self_) && volatile_.commit_index >= config_index_) [[unlikely]]
    become_follower(durable_.current_term, fx);
}

// ---- membership changes and leadership transfer -------------------------

bool Node::configuration_change_allowed() const {
  if (!is_leader() || volatile_.transfer_to >= 0) return false;
  const bool own_term_committed = term_at(volatile_.commit_index) == durable_.current_term;
  if (!own_term_committed && !options_.has(Bug::ConfigChangeBeforeTermCommit)) return false;
  const bool previous_committed = config_index_ <= volatile_.commit_index;
  return previous_committed || options_.has(Bug::ConcurrentConfigChanges);
}

bool Node::admin_enabled(int operation, NodeIndex target) const {
  if (AdminOp(operation) == AdminOp::Snapshot) return volatile_.applied.size() > durable_.snapshot_index;
  if (target >= node_count_) return false;
  switch (AdminOp(operation)) {
    case AdminOp::AddVoter: return configuration_change_allowed() && !config_.votes(target);
    case AdminOp::AddLearner: return configuration_change_allowed() && !config_.member(target);
    case AdminOp::Promote: return configuration_change_allowed() && config_.learns(target);
    case AdminOp::Remove:
      return configuration_change_allowed() && config_.member(target) &&
             !(config_.votes(target) && config_.voter_count() == 1);  // never the last voter
    case AdminOp::Transfer:
      return is_leader() && volatile_.transfer_to < 0 && target != self_ && config_.votes(target);
    case AdminOp::Snapshot:
    case AdminOp::Count: break;
  }
  return false;
}

bool Node::on_admin(int operation, NodeIndex target, Fx& fx) {
  log_writes_.begin_event();
  if (!admin_enabled(operation, target)) return false;
  if (AdminOp(operation) == AdminOp::Snapshot) {
    take_snapshot();
    return true;
  }
  const NodeBits bit = NodeBits(1u << target);
  if (AdminOp(operation) == AdminOp::Transfer) {
    volatile_.transfer_to = std::int8_t(target);
    fx.arm(kTransferTimer);
    if (volatile_.match_index[target] >= last_log_index() || options_.has(Bug::TransferToLaggingNode))
      send_timeout_now(fx);
    else
      send_append_entries(target, /*with_entries=*/true, fx);
    return true;
  }
  Configuration next = config_;
  switch (AdminOp(operation)) {
    case AdminOp::AddVoter: next.voters |= bit, next.learners &= NodeBits(~bit); break;
    case AdminOp::AddLearner: next.learners |= bit; break;
    case AdminOp::Promote: next.voters |= bit, next.learners &= NodeBits(~bit); break;
    default: next.voters &= NodeBits(~bit), next.learners &= NodeBits(~bit); break;
  }
  if (!config_.member(target)) {  // a newcomer: start from the end of the log, it answers where it is
    volatile_.next_index[target] = last_log_index() + 1;
    volatile_.match_index[target] = 0;
  }
  log_writes_.wrote(last_log_index());
  durable_.log.push_back(Entry::of_configuration(durable_.current_term, next));
  config_ = next;  // in effect once appended
  config_index_ = last_log_index();
  volatile_.match_index[self_] = last_log_index();
  broadcast_append_entries(/*with_entries=*/true, fx);
  advance_leader_commit(fx);
  return true;
}

void Node::send_timeout_now(Fx& fx) {
  Message message;
  message.type = MessageType::TimeoutNow;
  message.term = durable_.current_term;
  fx.send(NodeIndex(volatile_.transfer_to), message);
}

void Node::end_transfer(Fx& fx) {
  volatile_.transfer_to = -1;
  fx.cancel(kTransferTimer);
}

void Node::apply_committed() {
  LogIndex upto = std::min(volatile_.commit_index, last_log_index());
  while (volatile_.applied.size() < upto)
    volatile_.applied.push_back(entry_at(LogIndex(volatile_.applied.size()) + 1).command);
}

// ---- snapshots ------------------------------------------------------------

void Node::take_snapshot() {
  Durable& d = durable_;
  const LogIndex last = LogIndex(volatile_.applied.size());  // > d.snapshot_index (admin_enabled)
  Configuration config = d.snapshot_index ? d.snapshot_config : boot_config_;
  for (LogIndex i = last; i > d.snapshot_index; --i)
    if (entry_at(i).is_configuration()) {
      config = entry_at(i).configuration();
      break;
    }
  if (options_.has(Bug::SnapshotWithoutConfig)) config = boot_config_;  // seeded: configuration left out
  d.snapshot_term = term_at(last);
  d.snapshot_state.assign(volatile_.applied.begin(), volatile_.applied.end());
  d.snapshot_config = config;
  d.log.erase(d.log.begin(), d.log.begin() + (last - d.snapshot_index));
  d.snapshot_index = last;
  // The entries the node holds are unchanged (only fewer): nothing written.
  // The configuration in effect stays as it is until the node restarts.
}

void Node::send_install_snapshot(NodeIndex peer, Fx& fx) {
  Message request;
  request.type = MessageType::InstallSnapshot;
  request.term = durable_.current_term;
  request.prev_log_index = durable_.snapshot_index;
  request.prev_log_term = durable_.snapshot_term;
  request.leader_commit = volatile_.commit_index;
  request.entries.reserve(durable_.snapshot_state.size() + 1);
  request.entries.push_back(Entry::of_configuration(1, durable_.snapshot_config));
  for (Command command : durable_.snapshot_state) request.entries.push_back(Entry{0, command});
  fx.send(peer, request);
}

void Node::handle_install_snapshot(NodeIndex from, const Message& request, Fx& fx) {
  Message reply;
  reply.type = MessageType::AppendEntriesReply;
  reply.term = durable_.current_term;
  if (request.term < durable_.current_term) {  // stale leader
    reply.match_index = request.prev_log_index;
    fx.send(from, reply);
    return;
  }
  if (volatile_.role != Role::Follower) become_follower(request.term, fx);
  volatile_.heard_from_leader = true;
  volatile_.failed_elections = 0;
  volatile_.leader = std::int8_t(from);
  arm_election_timer(fx);

  Durable& d = durable_;
  const LogIndex last = request.prev_log_index;
  if (last > volatile_.applied.size() && request.entries.size() == std::size_t(last) + 1) {
    // Figure 13: keep the entries after the snapshot if the entry at its
    // last index matches; otherwise discard the whole log.
    const bool matches = last < last_log_index() && term_at(last) == request.prev_log_term;
    if (matches && !options_.has(Bug::InstallSnapshotDiscardsNewerEntries)) {
      d.log.erase(d.log.begin(), d.log.begin() + (last - d.snapshot_index));  // held entries unchanged
    } else {
      if (!d.log.empty()) log_writes_.wrote(d.snapshot_index);
      d.log.clear();
    }
    d.snapshot_index = last;
    d.snapshot_term = request.prev_log_term;
    d.snapshot_config = request.entries[0].configuration();
    d.snapshot_state.clear();
    for (std::size_t k = 1; k < request.entries.size(); ++k) d.snapshot_state.push_back(request.entries[k].command);
    volatile_.applied.assign(d.snapshot_state.begin(), d.snapshot_state.end());
    volatile_.commit_index = std::max(volatile_.commit_index, last);
    refresh_configuration();
    apply_committed();
  }
  reply.success = true;
  reply.match_index = last;
  fx.send(from, reply);
}

void Node::encode(StateEncoder& e) const {
  e.put(durable_.current_term);
  e.put_optional_node(durable_.voted_for);
  e.put(durable_.log.size());
  for (const Entry& entry : durable_.log) encode_entry(e, entry);
  if (durable_.snapshot_index) [[unlikely]] {  // absent before the first snapshot: old runs hash as before
    e.put(durable_.snapshot_index);
    e.put(durable_.snapshot_term);
    e.put_node_set(durable_.snapshot_config.voters);
    e.put_node_set(durable_.snapshot_config.learners);
    for (Command command : durable_.snapshot_state) e.put(command);
  }
  e.put(std::uint64_t(volatile_.role));
  e.put(volatile_.commit_index);
  e.put(volatile_.applied.size());
  for (Command command : volatile_.applied) e.put(command);
  // Leader and candidate bookkeeping is reset when the role is taken, so it
  // only counts while the node holds that role.
  if (volatile_.role == Role::Leader) {
    e.put_per_node(std::span<const LogIndex>(volatile_.next_index), node_count_);
    e.put_per_node(std::span<const LogIndex>(volatile_.match_index), node_count_);
    if (volatile_.transfer_to >= 0) e.put_node(NodeIndex(volatile_.transfer_to));
  } else if (volatile_.role == Role::Candidate) {
    e.put_node_set(volatile_.votes_granted);
    if (options_.has(Bug::CountDuplicateVotes)) e.put(volatile_.vote_messages);
  } else if (volatile_.role == Role::PreCandidate) {
    e.put_node_set(volatile_.pre_votes);
  }
  // Variant state, only where it can change what the node does. (The back-off
  // count only sizes timeouts, which the untimed world does not have.)
  if (options_.has(Variant::PreVote)) e.put(volatile_.heard_from_leader);
  if (options_.has(Bug::AckBeforePersist)) e.put(volatile_.unsynced);
  if (options_.has(Variant::CheckQuorum) && volatile_.role == Role::Leader)
    e.put_node_set(volatile_.heard_since_check);
}

void Node::print(std::string& out) const {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{} t{} vote=", role_name(volatile_.role), durable_.current_term);
  if (durable_.voted_for < 0)
    out += '-';
  else
    fmt::format_to(it, "{}", node_label(NodeIndex(durable_.voted_for)));
  if (durable_.snapshot_index) fmt::format_to(it, " snap={}/{}", durable_.snapshot_index, durable_.snapshot_term);
  out += " log=";
  print_entries(out, durable_.log.data(), durable_.log.data() + durable_.log.size());
  fmt::format_to(it, " commit={} applied={}", volatile_.commit_index, volatile_.applied.size());
  if (config_ != boot_config_) {  // only once the membership changed: older traces print as they did
    out += " config=";
    print_configuration(out, config_);
  }
  if (volatile_.transfer_to >= 0) fmt::format_to(it, " transfer={}", node_label(NodeIndex(volatile_.transfer_to)));
  if (is_leader()) {
    out += " match=[";
    for (NodeIndex peer = 0; peer < node_count_; ++peer)
      fmt::format_to(it, "{}{}", peer ? " " : "", volatile_.match_index[peer]);
    out += ']';
  }
}

}  // namespace skiff::raft
