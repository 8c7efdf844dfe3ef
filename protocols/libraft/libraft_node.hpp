// A node of the `libraft` protocol: one real canonical/raft instance (struct
// raft, from Debian's libraft-dev) driven through skiff's own implementation
// of the library's struct raft_io, written for skiff: single-threaded, no
// libuv, nothing happens unless the world delivers an event.
//
// How the library's I/O maps onto skiff's events:
//   io->send            the message goes into the world's network at once
//                       (drop, duplicate, reorder, cut links: the world's
//                       faults); the library's send callback runs when the
//                       handler returns
//   io->append,         a disk write, queued in order; nothing is durable
//   io->truncate        until the scheduler fires the node's `disk-write`
//                       timer, which completes the oldest pending write (and
//                       runs its callback)
//   disk I/O error      the `disk-fail` timer (at most Options::disk_errors
//                       per node per run, the budget): every pending write fails with
//                       RAFT_IOERR; the disk refuses log writes until the node
//                       restarts, or, with the variant disk-heals, until
//                       its `disk-heal` timer fires (libuv's backend in 0.15
//                       marks itself `errored` and never reads the flag: the
//                       next write is tried again)
//   variant             the `disk-land` timer: the oldest pending write not
//   writes-land-early   yet on the disk reaches it whole (a batch is atomic:
//                       libuv's loader drops a torn last batch), while its
//                       callback has not run; `disk-write` later runs it. A
//                       crash keeps what landed and loses the rest whole, so
//                       a restart may load entries the library never heard
//                       were durable (a crash between the kernel's write and
//                       libuv's callback)
//   variant pre-vote    raft_set_pre_vote(true) at every boot
//   io->set_term,       synchronous and durable at once, as the interface
//   io->set_vote,       requires
//   io->bootstrap
//   io->tick            the `tick` timer: the node's virtual clock moves on by
//                       kTickMs, then the library's tick callback runs
//   variant timeout-now the `timeout-now` timer, armed while the node runs and
//                       does not lead: its clock moves on by twice the election
//                       timeout (past any randomized timeout), then one tick
//                       runs: one event stands for the ticks until its
//                       election timer fires (a new election or candidacy)
//   io->time            that virtual clock (per node, kept across restarts)
//   io->random          a PRNG seeded from the node and its incarnation
//   io->load            the disk as it really is (completed writes only)
//   snapshots           by default not exercised: the snapshot threshold is
//                       set above any log a run can build. With the variant
//                       `snapshots`: a snapshot every kSnapshotThreshold
//                       applied entries, kSnapshotTrailing kept behind it.
//   io->snapshot_put    a disk write like an append (queued in order, lands
//                       on `disk-write`, fails on `disk-fail`, lost by a
//                       crash before it lands); trailing > 0 keeps the disk's
//                       entries after index - trailing, 0 (an install) drops
//                       the whole log
//   io->snapshot_get    the disk's snapshot, handed over when the handler
//                       returns; InstallSnapshot travels the world's network
//   fsm snapshot,       the FSM's state is the command applied at each index;
//   restore             a restored state must equal the applied prefix of the
//                       entries the snapshot stands for (restore_error())
//   log views           log() and durable_log() are read from index 1: the
//                       entries compacted into a snapshot keep the view the
//                       node that took it had of them (ghost state carried
//                       with the snapshot on disk and in InstallSnapshot)
//   admin events        raft_add, raft_assign (voter, standby, spare),
//                       raft_remove and raft_transfer, called when the
//                       scheduler hands the node an `admin` event (budgets
//                       --max-config-changes, --max-transfers); what their
//                       callbacks report is kept (admin_reports())
//   variant spare=N,... these nodes are not in the bootstrap configuration:
//                       they start with an empty disk, to be added
//
// A crash closes the instance (pending requests are cancelled, as libuv's
// implementation does on close), throws away writes that had not completed,
// and keeps the disk; restart() builds a fresh struct raft on that disk.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/libraft/libraft_message.hpp"
#include "protocols/protocol.hpp"

namespace skiff::libraft {

struct Options {
  std::uint32_t disk_errors = 1;   // the disk-fail budget of each node for a whole run
  bool timeout_now = false;        // variant `timeout-now`: the timer of that name
  bool pre_vote = false;           // variant `pre-vote`: the library's own pre-vote
  bool disk_heals = false;         // variant `disk-heals`: the `disk-heal` timer
  bool writes_land_early = false;  // variant `writes-land-early`: the `disk-land` timer
  bool snapshots = false;          // variant `snapshots`: small snapshot threshold and trailing
  std::uint8_t spares = 0;         // variant `spare=N,...`: bit per node outside the bootstrap configuration
  bool enable_bug(std::string_view) { return false; }  // the library is what it is
  std::vector<std::string> enabled_bugs() const { return {}; }
  // A name of variant_table(); "" if enabled, else what is wrong.
  std::string enable_variant(std::string_view spec, int node_count);
  std::vector<std::string> enabled_variants() const;
};

std::span<const BugInfo> variant_table();

// The administrative operations (P::admin_operations(), protocols/protocol.hpp),
// in the order of admin_table().
enum class AdminOp : std::uint8_t { Add, AssignVoter, AssignStandby, AssignSpare, Remove, Transfer, Count };
std::span<const AdminOperation> admin_table();


// The protocol `libraft-stable-disk`: the same, with disks that never fail.
struct StableDiskOptions : Options {
  StableDiskOptions() { disk_errors = 0; }
};

enum class Role : std::uint8_t { Unavailable, Follower, Candidate, Leader };
std::string_view role_name(Role role);


using Fx = Effects<Message>;

class Node {
 public:
  static constexpr TimerId kTick = 0;
  static constexpr TimerId kDiskWrite = 1;
  static constexpr TimerId kDiskFail = 2;
  static constexpr TimerId kTimeoutNow = 3;  // armed only with the timeout-now variant
  static constexpr TimerId kDiskHeal = 4;    // armed only with the disk-heals variant
  static constexpr TimerId kDiskLand = 5;    // armed only with the writes-land-early variant
  static constexpr std::uint64_t kTickMs = 100;          // virtual time per tick (the heartbeat timeout)
  static constexpr unsigned kElectionTimeoutMs = 300;    // randomized by the library to 300..600
  static constexpr unsigned kSnapshotThreshold = 4;      // variant snapshots: entries applied between snapshots
  static constexpr unsigned kSnapshotTrailing = 2;       // ... and entries kept behind a snapshot

  Node(NodeIndex self, int node_count, const Options& options);
  Node(Node&&) noexcept;
  Node& operator=(Node&&) noexcept;
  ~Node();

  void start(Fx& fx);
  void on_message(NodeIndex from, const Message& message, Fx& fx);
  void on_timer(TimerId timer, Fx& fx);
  bool on_client_command(Command command, Fx& fx);
  // An operator's command (admin_table()): whether the library would take
  // it now, as 0.15 judges (raft_add, raft_assign, raft_remove: a leader
  // not transferring, no configuration change uncommitted and no promotion
  // catching up; raft_transfer: a leader not transferring, the target
  // another voter), except that the last voter is never removed or
  // demoted (an operator's rule, not the library's); and the call itself.
  bool admin_enabled(int operation, NodeIndex target) const;
  bool on_admin(int operation, NodeIndex target, Fx& fx);
  void crash();
  void restart(Fx& fx);
  void print(std::string& out) const;
  // For `skiff check` (checker/stateless_checker.hpp), which never copies a
  // node but takes two states whose digests agree for the same state: the
  // library's own state (struct raft: role, term, vote, log, commit and
  // applied indices, timers, the leader's progress per follower, the
  // candidate's votes, the configuration), the adapter's (disk, pending
  // writes, clock, PRNG, disk-fault budget, what the FSM applied, reports),
  // in that order. epoch(): the term, for --max-term.
  void encode(StateEncoder& encoder) const;
  std::uint64_t epoch() const { return term(); }

  // ---- read-only view, for invariants and tests ----------------------------
  // While crashed: a follower whose log is its disk's, with nothing committed.
  Role role() const;
  bool is_leader() const { return role() == Role::Leader; }
  bool coordinates() const { return is_leader(); }  // for aimed fault profiles
  std::uint64_t term() const;
  std::optional<NodeIndex> voted_for() const;
  std::span<const Entry> log() const;          // the library's log, from index 1
  std::uint64_t commit_index() const;
  std::span<const Command> applied() const;    // applied()[i] is log index i+1 (0: not a command)
  std::span<const Entry> durable_log() const;  // what its disk holds
  // Which part of log() and of durable_log() the last events changed
  // (protocols/log_writes.hpp): events that changed it so far, and the
  // lowest 0-based index the last of them changed; entries below it are
  // what they were before that event.
  std::uint64_t log_writes() const;
  std::size_t log_written_from() const;
  std::uint64_t durable_log_writes() const;
  std::size_t durable_log_written_from() const;
  // How many times the FSM restored a snapshot: applied() may then differ
  // anywhere, not only past its old length.
  std::uint64_t applied_restores() const;
  // For tests: "" if log(), durable_log() and the configuration read from
  // the disk are what they would be if rebuilt from scratch, else where
  // they differ.
  std::string stale_views() const;
  // For the benchmark's "before" (bench/log_length_bench.cpp): rebuild log()
  // and durable_log() from index 1 after every event, as the adapter did
  // before it tracked what events change; what the node does is the same.
  void set_whole_views(bool on);
  std::uint64_t durable_term() const;
  std::uint32_t incarnation() const;           // 0 at first boot, +1 per restart
  // The configuration in effect: r->configuration while running (the
  // latest configuration entry of its log, committed or not), the latest on
  // its disk while crashed; the index of that entry (0: none).
  Configuration configuration() const;
  std::uint64_t configuration_index() const;
  Configuration boot_configuration() const;    // every node but the spares votes
  // What the library reported of each administrative command, in order:
  // "add 4: ok", "assign-voter 4: leadership lost", "transfer 2: done
  // (leader 2)"; an accepted command not yet answered is not listed.
  std::span<const std::string> admin_reports() const;
  // How the FSM restored from a snapshot differed from the applied prefix
  // of the entries the snapshot stands for (the first time), or empty.
  std::string_view restore_error() const;
  std::uint64_t snapshot_index() const;  // of the snapshot on its disk; 0: none
  std::size_t pending_writes() const;
  // The first promise this incarnation broke (an acknowledgement of
  // something its disk did not hold, a restart that failed), or empty.
  std::string_view broken_promise() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skiff::libraft
