// skiff's struct raft_io for canonical/raft, and the node around it. The
// mapping of the library's I/O onto skiff's events is in libraft_node.hpp.
#include "protocols/libraft/libraft_node.hpp"

#include <fmt/format.h>

#include <cstring>
#include <deque>
#include <mutex>

#include "protocols/libraft/c_raft.hpp"
#include "protocols/library_call.hpp"
#include "protocols/log_writes.hpp"

namespace skiff::libraft {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::Unavailable: return "unavailable";
    case Role::Follower: return "follower";
    case Role::Candidate: return "candidate";
    case Role::Leader: return "leader";
  }
  return "?";
}

namespace {

// Addresses are the node labels, "1" to "7"; ids the same numbers.
const char* address_of(raft_id id) {
  static const char* const kAddresses[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
  return id < 8 ? kAddresses[id] : "?";
}

StoredEntry copy_entry(const raft_entry& e) {
  StoredEntry out;
  out.term = e.term;
  out.type = e.type;
  const auto* bytes = static_cast<const std::uint8_t*>(e.buf.base);
  out.data.assign(bytes, bytes + e.buf.len);
  return out;
}

Entry view_entry(std::uint64_t term, std::uint16_t type, const std::uint8_t* data, std::size_t size) {
  Entry entry{term, command_of(type, data, size)};
  if (type == RAFT_CHANGE) {
    entry.change = true;
    entry.config = decode_configuration(data, size);
  }
  return entry;
}
Entry view_entry(const StoredEntry& e) { return view_entry(e.term, e.type, e.data.data(), e.data.size()); }

Configuration configuration_of(const raft_configuration& conf) {
  Configuration out;
  for (unsigned i = 0; i < conf.n; ++i) {
    const raft_id id = conf.servers[i].id;
    if (id < 1 || id > raft_id(kMaxNodes)) continue;
    const auto bit = std::uint8_t(1u << (id - 1));
    switch (conf.servers[i].role) {
      case RAFT_VOTER: out.voters |= bit; break;
      case RAFT_STANDBY: out.standbys |= bit; break;
      case RAFT_SPARE: out.spares |= bit; break;
    }
  }
  return out;
}

std::size_t log_count(const raft_log& log) { return log.size ? (log.back + log.size - log.front) % log.size : 0; }

// A struct raft_configuration the library takes over (raft_malloc'd).
void library_configuration(const Configuration& config, raft_configuration& out) {
  raft_configuration_init(&out);
  for (int i = 0; i < kMaxNodes; ++i) {
    const auto bit = std::uint8_t(1u << i);
    const int role = config.voters & bit ? RAFT_VOTER : config.standbys & bit ? RAFT_STANDBY : RAFT_SPARE;
    if ((config.voters | config.standbys | config.spares) & bit)
      raft_configuration_add(&out, raft_id(i + 1), address_of(raft_id(i + 1)), role);
  }
}

const raft_server* server_of(const raft_configuration& conf, raft_id id) {
  for (unsigned i = 0; i < conf.n; ++i)
    if (conf.servers[i].id == id) return &conf.servers[i];
  return nullptr;
}

// What an operation asks of the library: the role raft_assign gives.
int role_of(AdminOp op) {
  switch (op) {
    case AdminOp::AssignVoter: return RAFT_VOTER;
    case AdminOp::AssignStandby: return RAFT_STANDBY;
    default: return RAFT_SPARE;
  }
}

// Entries in memory the library takes over: an array from raft_malloc and
// one batch (also from raft_malloc) holding every payload.
raft_entry* library_entries(const std::vector<StoredEntry>& entries) {
  if (entries.empty()) return nullptr;
  std::size_t total = 0;
  for (const StoredEntry& e : entries) total += e.data.size();
  auto* array = static_cast<raft_entry*>(raft_calloc(entries.size(), sizeof(raft_entry)));
  auto* batch = static_cast<std::uint8_t*>(raft_malloc(total ? total : 1));
  std::size_t at = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    array[i].term = entries[i].term;
    array[i].type = entries[i].type;
    array[i].buf.base = batch + at;
    array[i].buf.len = entries[i].data.size();
    array[i].batch = batch;
    if (!entries[i].data.empty()) std::memcpy(batch + at, entries[i].data.data(), entries[i].data.size());
    at += entries[i].data.size();
  }
  return array;
}

void silent_emit(raft_tracer*, const char*, int, const char*) {}

// An instance the library never finished closing, kept reachable and never
// destroyed (its memory is the library's), so that leak checking, which
// runs after static destructors, does not report it.
void keep_abandoned(void* what) {
  static std::mutex* const mutex = new std::mutex;
  static std::vector<void*>* const abandoned = new std::vector<void*>;
  std::lock_guard lock(*mutex);
  abandoned->push_back(what);
}

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Configuration decode_configuration(const std::uint8_t* data, std::size_t size) {
  Configuration out;
  std::size_t at = 1;  // the format's version byte
  auto get64 = [&](std::uint64_t& value) {
    if (at + 8 > size) return false;
    value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | data[at + std::size_t(i)];
    at += 8;
    return true;
  };
  std::uint64_t n = 0;
  if (!get64(n)) return out;
  for (std::uint64_t k = 0; k < n; ++k) {
    std::uint64_t id = 0;
    if (!get64(id)) return out;
    while (at < size && data[at] != 0) ++at;  // the address, NUL-terminated
    if (++at >= size) return out;
    const std::uint8_t role = data[at++];
    if (id < 1 || id > std::uint64_t(kMaxNodes)) continue;
    const auto bit = std::uint8_t(1u << (id - 1));
    if (role == RAFT_VOTER) out.voters |= bit;
    else if (role == RAFT_STANDBY) out.standbys |= bit;
    else if (role == RAFT_SPARE) out.spares |= bit;
  }
  return out;
}

void print_configuration(std::string& out, Configuration config) {
  auto list = [&](std::uint8_t nodes) {
    bool first = true;
    for (int i = 0; i < kMaxNodes; ++i)
      if (nodes & (1u << i)) {
        if (!first) out += ',';
        first = false;
        fmt::format_to(std::back_inserter(out), "{}", i + 1);
      }
  };
  list(config.voters);
  if (config.standbys) out += " standby=", list(config.standbys);
  if (config.spares) out += " spare=", list(config.spares);
}

class Node::Impl {
 public:
  Impl(NodeIndex self, int node_count, const Options& options)
      : self_(self), node_count_(node_count), disk_errors_left_(options.disk_errors), options_(options) {}
  ~Impl() {
    if (instance_) close_instance();
  }

  // Runs `call`, which calls into the library, noting where (for the crash
  // report of a child process, checker/child_process.hpp): a crash of the
  // library ends the process, and library-survives reports it there.
  template <class Call>
  void in_library(const char* where, Call&& call) {
    if (!instance_) return;
    InLibraryCall note(self_, where);
    call();
  }

  // ---- events ----------------------------------------------------------------
  void boot(Fx& fx, bool first) {
    begin_event();
    log_stale_from_ = 0;  // the library loads its log from the disk
    fx_ = &fx;
    broken_.clear();
    rng_ = 0x5eed0000ull + std::uint64_t(self_) * 0x10000ull + incarnation_;
    instance_ = std::make_unique<Instance>();
    Instance& in = *instance_;
    init_io(in.io);
    in.fsm.version = 1;
    in.fsm.data = this;
    in.fsm.apply = &Impl::fsm_apply;
    in.fsm.snapshot = &Impl::fsm_snapshot;
    in.fsm.restore = &Impl::fsm_restore;
    const raft_id id = raft_id(self_) + 1;
    int rc = raft_init(&in.r, &in.io, &in.fsm, id, address_of(id));
    if (rc != 0) return fail_boot("raft_init", rc);
    in.r.data = &in;
    // No clock reads, no environment: a tracer that prints nothing.
    in.tracer.impl = nullptr;
    in.tracer.enabled = false;
    in.tracer.emit = &silent_emit;
    in.r.tracer = &in.tracer;
    raft_set_election_timeout(&in.r, kElectionTimeoutMs);
    raft_set_heartbeat_timeout(&in.r, unsigned(kTickMs));
    if (options_.snapshots) {
      raft_set_snapshot_threshold(&in.r, kSnapshotThreshold);
      raft_set_snapshot_trailing(&in.r, kSnapshotTrailing);
    } else {
      raft_set_snapshot_threshold(&in.r, 1u << 30);
    }
    if (options_.pre_vote) raft_set_pre_vote(&in.r, true);
    in.initialized = true;
    if (first && !(options_.spares & (1u << self_))) {
      raft_configuration conf;
      raft_configuration_init(&conf);
      for (int i = 1; i <= node_count_; ++i)
        if (!(options_.spares & (1u << (i - 1))))
          raft_configuration_add(&conf, raft_id(i), address_of(raft_id(i)), RAFT_VOTER);
      in_library("raft_bootstrap", [&] { rc = raft_bootstrap(&in.r, &conf); });
      raft_configuration_close(&conf);
      if (rc != 0) return fail_boot("raft_bootstrap", rc);
    }
    if (disk_.snapshot) restoring_ = &disk_.snapshot->prefix;
    in_library("raft_start", [&] { rc = raft_start(&in.r); });
    restoring_ = nullptr;
    if (rc != 0) return fail_boot("raft_start", rc);
    running_ = true;
    finish(fx);
  }

  void crash() {
    begin_event();
    close_instance();
    pending_.clear();
    disk_broken_ = false;
    applied_.clear();
    ++incarnation_;
    refresh();
  }

  void on_message(NodeIndex from, const Message& m, Fx& fx) {
    begin_event();
    fx_ = &fx;
    if (!running_) return finish(fx);
    raft_message msg{};
    msg.type = m.type;
    msg.server_id = raft_id(from) + 1;
    msg.server_address = address_of(msg.server_id);
    switch (m.type) {
      case RAFT_IO_REQUEST_VOTE:
        msg.request_vote.term = m.term;
        msg.request_vote.candidate_id = m.candidate;
        msg.request_vote.last_log_index = m.last_index;
        msg.request_vote.last_log_term = m.last_term;
        msg.request_vote.disrupt_leader = m.disrupt_leader;
        msg.request_vote.pre_vote = m.pre_vote;
        break;
      case RAFT_IO_REQUEST_VOTE_RESULT:
        msg.request_vote_result.term = m.term;
        msg.request_vote_result.vote_granted = m.granted;
        msg.request_vote_result.pre_vote = m.pre_vote ? raft_tribool_true : raft_tribool_false;
        break;
      case RAFT_IO_APPEND_ENTRIES:
        msg.append_entries.term = m.term;
        msg.append_entries.prev_log_index = m.last_index;
        msg.append_entries.prev_log_term = m.last_term;
        msg.append_entries.leader_commit = m.leader_commit;
        msg.append_entries.entries = library_entries(m.entries);
        msg.append_entries.n_entries = unsigned(m.entries.size());
        break;
      case RAFT_IO_APPEND_ENTRIES_RESULT:
        msg.append_entries_result.term = m.term;
        msg.append_entries_result.rejected = m.rejected;
        msg.append_entries_result.last_log_index = m.last_index;
        break;
      case RAFT_IO_TIMEOUT_NOW:
        msg.timeout_now.term = m.term;
        msg.timeout_now.last_log_index = m.last_index;
        msg.timeout_now.last_log_term = m.last_term;
        break;
      case RAFT_IO_INSTALL_SNAPSHOT: {
        auto& args = msg.install_snapshot;
        args.term = m.term;
        args.last_index = m.last_index;
        args.last_term = m.last_term;
        args.conf_index = m.conf_index;
        library_configuration(m.conf, args.conf);
        args.data.len = m.data.size();
        args.data.base = raft_malloc(m.data.empty() ? 1 : m.data.size());
        if (!m.data.empty()) std::memcpy(args.data.base, m.data.data(), m.data.size());
        break;
      }
      default:
        return finish(fx);
    }
    const raft_log& log = instance_->r.log;
    const raft_index offset_before = log.offset;
    const std::size_t count_before = log_count(log);
    incoming_prefix_ = m.type == RAFT_IO_INSTALL_SNAPSHOT ? &m.prefix : nullptr;
    in_library("its recv callback", [&] { instance_->recv(&instance_->io, &msg); });
    // An InstallSnapshot the library took (logRestore: the log is now the
    // snapshot's index and nothing after it): the view's prefix is the
    // snapshot's, whatever the node held before.
    if (incoming_prefix_ && running_ && log.offset == m.last_index && log_count(log) == 0 &&
        (log.offset != offset_before || count_before != 0) && m.prefix.size() == m.last_index) {
      log_view_ = m.prefix;
      log_writes_.wrote(0);
    }
    incoming_prefix_ = nullptr;
    finish(fx);
  }

  void on_timer(TimerId timer, Fx& fx) {
    begin_event();
    fx_ = &fx;
    if (!running_) return finish(fx);
    switch (timer) {
      case kTick:
        clock_ms_ += kTickMs;
        in_library("its tick callback", [&] { instance_->tick(&instance_->io); });
        break;
      case kDiskWrite:
        in_library("an append callback (write done)", [&] { complete_oldest_write(); });
        break;
      case kDiskFail:
        in_library("an append callback (write failed)", [&] { fail_pending_writes(); });
        break;
      case kTimeoutNow:
        clock_ms_ += 2 * kElectionTimeoutMs;
        in_library("its tick callback (timeout-now)", [&] { instance_->tick(&instance_->io); });
        break;
      case kDiskHeal:
        disk_broken_ = false;
        break;
      case kDiskLand:
        land_oldest_write();
        break;
    }
    finish(fx);
  }

  bool on_client_command(Command command, Fx& fx) {
    begin_event();
    fx_ = &fx;
    if (!running_) {
      finish(fx);
      return false;
    }
    using ApplyRequest = struct raft_apply;
    auto* request = new ApplyRequest{};
    raft_buffer buffer;
    const std::vector<std::uint8_t> payload = command_payload(command);
    buffer.len = payload.size();
    buffer.base = raft_malloc(buffer.len);
    std::memcpy(buffer.base, payload.data(), buffer.len);
    int rc = RAFT_SHUTDOWN;
    in_library("raft_apply", [&] { rc = ::raft_apply(&instance_->r, request, &buffer, 1, &Impl::apply_done); });
    if (rc != 0) {
      raft_free(buffer.base);
      delete request;
    }
    finish(fx);
    return rc == 0;
  }

  // ---- administrative commands ---------------------------------------------------
  bool admin_enabled(int operation, NodeIndex target) const {
    if (!running_ || target >= node_count_) return false;
    const raft& r = instance_->r;
    if (r.state != RAFT_LEADER || r.transfer != nullptr) return false;
    const raft_id id = raft_id(target) + 1;
    const raft_server* server = server_of(r.configuration, id);
    const AdminOp op = AdminOp(operation);
    if (op == AdminOp::Transfer) return server && id != r.id && server->role == RAFT_VOTER;
    if (r.configuration_uncommitted_index != 0 || r.leader_state.promotee_id != 0) return false;
    const bool last_voter = server && server->role == RAFT_VOTER && configuration_of(r.configuration).voter_count() == 1;
    switch (op) {
      case AdminOp::Add: return server == nullptr;
      case AdminOp::AssignVoter:
      case AdminOp::AssignStandby:
      case AdminOp::AssignSpare: return server && server->role != role_of(op) && !last_voter;
      case AdminOp::Remove: return server && !last_voter;
      default: return false;
    }
  }

  // Calls the library whether or not admin_enabled() holds (the world asks
  // only when it does): a refusal is reported, "add 4: refused (...)".
  bool on_admin(int operation, NodeIndex target, Fx& fx) {
    begin_event();
    fx_ = &fx;
    if (!running_ || target >= node_count_) {
      finish(fx);
      return false;
    }
    const AdminOp op = AdminOp(operation);
    const raft_id id = raft_id(target) + 1;
    raft* r = &instance_->r;
    int rc = 0;
    Request& request = requests_.emplace_back();
    request.impl = this;
    request.operation = op;
    request.target = target;
    request.change.data = &request;
    request.transfer.data = &request;
    switch (op) {
      case AdminOp::Add:
        in_library("raft_add", [&] { rc = raft_add(r, &request.change, id, address_of(id), &Impl::change_done); });
        break;
      case AdminOp::AssignVoter:
      case AdminOp::AssignStandby:
      case AdminOp::AssignSpare:
        in_library("raft_assign", [&] { rc = raft_assign(r, &request.change, id, role_of(op), &Impl::change_done); });
        break;
      case AdminOp::Remove:
        in_library("raft_remove", [&] { rc = raft_remove(r, &request.change, id, &Impl::change_done); });
        break;
      case AdminOp::Transfer:
        in_library("raft_transfer", [&] { rc = raft_transfer(r, &request.transfer, id, &Impl::transfer_done); });
        break;
      default: rc = RAFT_INVALID; break;
    }
    if (rc != 0) report(request, fmt::format("refused ({})", raft_strerror(rc)));
    finish(fx);
    return rc == 0;
  }

  // ---- the view ------------------------------------------------------------------
  Configuration configuration() const {
    if (running_) return configuration_of(instance_->r.configuration);
    return disk_configuration_index_ ? disk_view_[disk_configuration_index_ - 1].config : Configuration{};
  }
  std::uint64_t configuration_index() const {
    if (running_) {
      const raft& r = instance_->r;
      return r.configuration_uncommitted_index ? r.configuration_uncommitted_index : r.configuration_index;
    }
    return disk_configuration_index_;
  }
  Configuration boot_configuration() const {
    Configuration boot;
    boot.voters = std::uint8_t(((1u << node_count_) - 1) & ~options_.spares);
    return boot;
  }

  Role role() const {
    if (!running_) return Role::Follower;
    switch (raft_state(const_cast<raft*>(&instance_->r))) {
      case RAFT_FOLLOWER: return Role::Follower;
      case RAFT_CANDIDATE: return Role::Candidate;
      case RAFT_LEADER: return Role::Leader;
    }
    return Role::Unavailable;
  }
  std::uint64_t term() const { return running_ ? instance_->r.current_term : disk_.term; }
  std::uint64_t vote() const { return running_ ? instance_->r.voted_for : disk_.vote; }
  std::uint64_t commit_index() const { return running_ ? instance_->r.commit_index : 0; }

  void print(std::string& out) const {
    auto it = std::back_inserter(out);
    fmt::format_to(it, "{} t{}", role_name(role()), term());
    if (vote()) fmt::format_to(it, " vote={}", vote());
    out += " log=[";
    for (std::size_t i = 0; i < log_view_.size(); ++i) {
      if (i) out += ',';
      fmt::format_to(it, "{}:", log_view_[i].term);
      if (log_view_[i].command) fmt::format_to(it, "{}", log_view_[i].command);
      else out += '-';
    }
    fmt::format_to(it, "] commit={} applied={} disk={}/t{}", commit_index(), applied_.size(), disk_.log.size(),
                   disk_.term);
    if (!pending_.empty()) fmt::format_to(it, " pending={}", pending_.size());
    if (disk_.snapshot) fmt::format_to(it, " snapshot={}/t{}", disk_.snapshot->index, disk_.snapshot->term);
    if (disk_broken_) out += " disk-failed";
    if (options_.spares || configuration() != boot_configuration()) {
      out += " conf=";
      print_configuration(out, configuration());
    }
    if (!broken_.empty()) fmt::format_to(it, " BROKEN: {}", broken_);
  }

  void encode(StateEncoder& e) const {
    e.put(std::uint64_t(running_) << 2 | std::uint64_t(disk_broken_) << 1 | std::uint64_t(closing_));
    if (running_) {
      const raft& r = instance_->r;
      e.put(r.state);
      e.put(r.current_term);
      e.put(r.voted_for);
      e.put(r.commit_index);
      e.put(r.last_applied);
      e.put(r.last_stored);
      e.put(r.election_timer_start);
      e.put(r.configuration_index);
      e.put(r.configuration_uncommitted_index);
      const Configuration conf = configuration_of(r.configuration);
      e.put(std::uint64_t(conf.voters) << 16 | std::uint64_t(conf.standbys) << 8 | conf.spares);
      e.put(r.transfer ? r.transfer->id : 0);
      e.put(r.log.offset);
      e.put(r.log.snapshot.last_index);
      e.put(r.log.snapshot.last_term);
      const std::size_t n = log_count(r.log);
      e.put(n);
      for (std::size_t k = 0; k < n; ++k) {
        const raft_entry& entry = r.log.entries[(r.log.front + k) % r.log.size];
        StoredEntry stored = copy_entry(entry);
        encode_stored_entry(e, stored);
      }
      switch (r.state) {
        case RAFT_FOLLOWER:
          e.put(r.follower_state.randomized_election_timeout);
          e.put(r.follower_state.current_leader.id);
          break;
        case RAFT_CANDIDATE:
          e.put(r.candidate_state.randomized_election_timeout);
          e.put(std::uint64_t(r.candidate_state.disrupt_leader) << 1 | r.candidate_state.in_pre_vote);
          for (unsigned i = 0; i < r.configuration.n; ++i) e.put(r.candidate_state.votes[i]);
          break;
        case RAFT_LEADER:
          for (unsigned i = 0; i < r.configuration.n; ++i) {
            const raft_progress& p = r.leader_state.progress[i];
            e.put(p.state);
            e.put(p.next_index);
            e.put(p.match_index);
            e.put(p.snapshot_index);
            e.put(p.last_send);
            e.put(p.snapshot_last_send);
            e.put(p.recent_recv);
          }
          e.put(r.leader_state.change != nullptr);
          e.put(r.leader_state.promotee_id);
          e.put(r.leader_state.round_number);
          e.put(r.leader_state.round_index);
          e.put(r.leader_state.round_start);
          break;
      }
    }
    e.put(disk_.term);
    e.put(disk_.vote);
    e.put(disk_.log_start);
    e.put(disk_.log.size());
    for (const StoredEntry& entry : disk_.log) encode_stored_entry(e, entry);
    e.put(disk_.snapshot ? disk_.snapshot->index : 0);
    e.put(pending_.size());
    for (const Write& w : pending_) {
      e.put(std::uint64_t(w.truncate) << 3 | std::uint64_t(w.snapshot) << 2 | std::uint64_t(w.landed) << 1);
      e.put(w.truncate_from);
      e.put(w.snapshot ? w.stored.index : 0);
      e.put(w.entries.size());
      for (const StoredEntry& entry : w.entries) encode_stored_entry(e, entry);
    }
    e.put(disk_errors_left_);
    e.put(clock_ms_);
    e.put(rng_);
    e.put(incarnation_);
    e.put(applied_.size());
    for (Command c : applied_) e.put(c);
    e.put(log_view_.size());
    for (const Entry& entry : log_view_) encode_view_entry(e, entry);
    e.put(admin_reports_.size());
    for (const std::string& report : admin_reports_) e.put(std::hash<std::string>{}(report));
    e.put(std::hash<std::string>{}(broken_));
    e.put(std::hash<std::string>{}(restore_error_));
  }

  std::vector<Entry> log_view_, disk_view_;
  std::vector<std::string> admin_reports_;
  std::vector<Command> applied_;
  std::string broken_;
  std::uint32_t incarnation_ = 0;
  // A snapshot as the disk holds it, with the ghost view of the entries it
  // stands for (1..index, as the node that took it held them).
  struct StoredSnapshot {
    std::uint64_t index = 0, term = 0;
    Configuration conf{};
    std::uint64_t conf_index = 0;
    std::vector<std::uint8_t> data;
    std::vector<Entry> prefix;
  };
  struct Disk {
    std::uint64_t term = 0;
    raft_id vote = 0;
    std::vector<StoredEntry> log;  // log[0] is index log_start
    std::uint64_t log_start = 1;
    std::optional<StoredSnapshot> snapshot;
  } disk_;
  std::string restore_error_;
  std::uint64_t applied_restores_ = 0;
  bool running_ = false;
  std::size_t pending_count() const { return pending_.size(); }

 private:
  struct Instance {
    struct raft r {};
    raft_io io{};
    raft_fsm fsm{};
    raft_tracer tracer{};
    raft_io_tick_cb tick = nullptr;
    raft_io_recv_cb recv = nullptr;
    bool initialized = false;
    bool closed = false;
  };
  struct Write {
    bool truncate = false;
    bool snapshot = false;  // a snapshot_put: `stored` replaces the disk's snapshot
    unsigned trailing = 0;  // snapshot_put: entries kept before its index (0: the whole log goes)
    StoredSnapshot stored;
    raft_io_snapshot_put* put_request = nullptr;
    raft_io_snapshot_put_cb put_callback = nullptr;
    raft_index truncate_from = 0;  // truncate: delete this index and all after it
    std::vector<StoredEntry> entries;
    raft_io_append* request = nullptr;
    raft_io_append_cb callback = nullptr;
    bool landed = false;  // on the disk already (writes-land-early), its callback not yet run
  };
  struct SendDone {
    raft_io_send* request;
    raft_io_send_cb callback;
  };
  struct GetDone {
    raft_io_snapshot_get* request;
    raft_io_snapshot_get_cb callback;
  };
  // One administrative command: the request the library holds until its
  // callback runs (raft_change or raft_transfer). Kept for the node's life
  // (a handful per run, at most the admin budgets), so that no callback
  // the library still owes can find it freed.
  struct Request {
    Impl* impl = nullptr;
    AdminOp operation = AdminOp::Add;
    NodeIndex target = 0;
    raft_change change{};
    struct raft_transfer transfer {};
  };

  void report(const Request& request, std::string_view what) {
    admin_reports_.push_back(
        fmt::format("{} {}: {}", admin_table()[std::size_t(request.operation)].name, node_label(request.target), what));
  }
  static void change_done(raft_change* change, int status) {
    auto& request = *static_cast<Request*>(change->data);
    request.impl->report(request, status == 0 ? std::string("ok") : std::string(raft_strerror(status)));
  }
  static void transfer_done(struct raft_transfer* transfer) {
    auto& request = *static_cast<Request*>(transfer->data);
    raft_id leader = 0;
    const char* address = nullptr;
    raft_leader(&request.impl->instance_->r, &leader, &address);
    request.impl->report(request, leader ? fmt::format("done (leader {})", leader) : std::string("done (no leader)"));
  }

  static Impl& of(raft_io* io) { return *static_cast<Impl*>(io->impl); }

  void init_io(raft_io& io) {
    io.version = 1;
    io.impl = this;
    io.init = [](raft_io*, raft_id, const char*) { return 0; };
    io.close = &Impl::io_close;
    io.load = &Impl::io_load;
    io.start = [](raft_io* io, unsigned, raft_io_tick_cb tick, raft_io_recv_cb recv) {
      Impl& self = of(io);
      self.instance_->tick = tick;
      self.instance_->recv = recv;
      return 0;
    };
    io.bootstrap = &Impl::io_bootstrap;
    io.recover = [](raft_io*, const raft_configuration*) { return RAFT_NOTFOUND; };
    io.set_term = [](raft_io* io, raft_term term) {
      Impl& self = of(io);
      self.disk_.term = term;
      self.disk_.vote = 0;
      return 0;
    };
    io.set_vote = [](raft_io* io, raft_id id) {
      of(io).disk_.vote = id;
      return 0;
    };
    io.send = &Impl::io_send;
    io.append = &Impl::io_append;
    io.truncate = &Impl::io_truncate;
    io.snapshot_put = &Impl::io_snapshot_put;
    io.snapshot_get = &Impl::io_snapshot_get;
    io.time = [](raft_io* io) -> raft_time { return of(io).clock_ms_; };
    io.random = [](raft_io* io, int min, int max) {
      if (max <= min) return min;
      return min + int(splitmix(of(io).rng_) % std::uint64_t(max - min));
    };
  }

  static int io_load(raft_io* io, raft_term* term, raft_id* voted_for, raft_snapshot** snapshot,
                     raft_index* start_index, raft_entry** entries, size_t* n_entries) {
    const Impl& self = of(io);
    *term = self.disk_.term;
    *voted_for = self.disk_.vote;
    *snapshot = self.disk_.snapshot ? library_snapshot(*self.disk_.snapshot) : nullptr;
    *start_index = self.disk_.log_start;
    *entries = library_entries(self.disk_.log);
    *n_entries = self.disk_.log.size();
    // One batch for all entries: the library frees it once none is referenced.
    return 0;
  }

  static int io_bootstrap(raft_io* io, const raft_configuration* conf) {
    Impl& self = of(io);
    if (self.disk_.term != 0 || !self.disk_.log.empty()) return RAFT_CANTBOOTSTRAP;
    raft_buffer buffer;
    const int rc = raft_configuration_encode(conf, &buffer);
    if (rc != 0) return rc;
    StoredEntry entry;
    entry.term = 1;
    entry.type = RAFT_CHANGE;
    const auto* bytes = static_cast<const std::uint8_t*>(buffer.base);
    entry.data.assign(bytes, bytes + buffer.len);
    raft_free(buffer.base);
    self.disk_stale_from_ = 0;
    self.disk_.log.push_back(std::move(entry));
    self.disk_.term = 1;
    self.disk_.vote = 0;
    return 0;
  }

  static int io_send(raft_io* io, raft_io_send* request, const raft_message* msg, raft_io_send_cb cb) {
    Impl& self = of(io);
    if (!self.fx_ || self.closing_) return RAFT_CANCELED;
    if (msg->server_id < 1 || msg->server_id > raft_id(self.node_count_) ||
        msg->server_id == raft_id(self.self_) + 1)
      return RAFT_NOCONNECTION;
    Message m;
    m.type = msg->type;
    switch (msg->type) {
      case RAFT_IO_REQUEST_VOTE:
        m.term = msg->request_vote.term;
        m.candidate = msg->request_vote.candidate_id;
        m.last_index = msg->request_vote.last_log_index;
        m.last_term = msg->request_vote.last_log_term;
        m.disrupt_leader = msg->request_vote.disrupt_leader;
        m.pre_vote = msg->request_vote.pre_vote;
        break;
      case RAFT_IO_REQUEST_VOTE_RESULT:
        m.term = msg->request_vote_result.term;
        m.granted = msg->request_vote_result.vote_granted;
        m.pre_vote = msg->request_vote_result.pre_vote == raft_tribool_true;
        break;
      case RAFT_IO_APPEND_ENTRIES:
        m.term = msg->append_entries.term;
        m.last_index = msg->append_entries.prev_log_index;
        m.last_term = msg->append_entries.prev_log_term;
        m.leader_commit = msg->append_entries.leader_commit;
        for (unsigned i = 0; i < msg->append_entries.n_entries; ++i)
          m.entries.push_back(copy_entry(msg->append_entries.entries[i]));
        break;
      case RAFT_IO_APPEND_ENTRIES_RESULT:
        m.term = msg->append_entries_result.term;
        m.rejected = msg->append_entries_result.rejected;
        m.last_index = msg->append_entries_result.last_log_index;
        break;
      case RAFT_IO_TIMEOUT_NOW:
        m.term = msg->timeout_now.term;
        m.last_index = msg->timeout_now.last_log_index;
        m.last_term = msg->timeout_now.last_log_term;
        break;
      case RAFT_IO_INSTALL_SNAPSHOT: {
        const auto& args = msg->install_snapshot;
        m.term = args.term;
        m.last_index = args.last_index;
        m.last_term = args.last_term;
        m.conf = configuration_of(args.conf);
        m.conf_index = args.conf_index;
        const auto* bytes = static_cast<const std::uint8_t*>(args.data.base);
        m.data.assign(bytes, bytes + args.data.len);
        // The snapshot comes from snapshot_get, which hands out the disk's.
        if (self.disk_.snapshot && self.disk_.snapshot->index == args.last_index) m.prefix = self.disk_.snapshot->prefix;
        break;
      }
      default:
        return RAFT_NOCONNECTION;
    }
    self.check_promises(m);
    self.fx_->send(NodeIndex(msg->server_id - 1), m);
    self.sends_done_.push_back(SendDone{request, cb});
    return 0;
  }

  static int io_append(raft_io* io, raft_io_append* request, const raft_entry entries[], unsigned n,
                       raft_io_append_cb cb) {
    Impl& self = of(io);
    // The library appends the entries to its log, as its last n, before it
    // asks for them to be written (0.15: appendLeader, replicationAppend).
    if (self.instance_) {
      const raft_log& log = self.instance_->r.log;
      const std::size_t size = log.offset + log_count(log);
      self.log_stale(size >= n ? size - n : 0);
    }
    if (self.closing_) return RAFT_CANCELED;
    if (self.disk_broken_) return RAFT_IOERR;
    Write w;
    for (unsigned i = 0; i < n; ++i) w.entries.push_back(copy_entry(entries[i]));
    w.request = request;
    w.callback = cb;
    self.pending_.push_back(std::move(w));
    return 0;
  }

  static int io_truncate(raft_io* io, raft_index index) {
    Impl& self = of(io);
    self.log_stale(index > 0 ? std::size_t(index - 1) : 0);  // the library drops index.. from its log too
    if (self.closing_) return RAFT_CANCELED;
    if (self.disk_broken_) return RAFT_IOERR;
    Write w;
    w.truncate = true;
    w.truncate_from = index;
    self.pending_.push_back(std::move(w));
    return 0;
  }

  // A snapshot_put is a disk write like an append: queued in order, durable
  // when it lands. trailing > 0 (the library took a snapshot): the disk
  // keeps the entries after index - trailing; 0 (an InstallSnapshot): the
  // whole log goes.
  static int io_snapshot_put(raft_io* io, unsigned trailing, raft_io_snapshot_put* request,
                             const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb) {
    Impl& self = of(io);
    if (self.closing_) return RAFT_CANCELED;
    if (self.disk_broken_) return RAFT_IOERR;
    Write w;
    w.snapshot = true;
    w.trailing = trailing;
    w.put_request = request;
    w.put_callback = cb;
    StoredSnapshot& stored = w.stored;
    stored.index = snapshot->index;
    stored.term = snapshot->term;
    stored.conf = configuration_of(snapshot->configuration);
    stored.conf_index = snapshot->configuration_index;
    for (unsigned i = 0; i < snapshot->n_bufs; ++i) {
      const auto* bytes = static_cast<const std::uint8_t*>(snapshot->bufs[i].base);
      stored.data.insert(stored.data.end(), bytes, bytes + snapshot->bufs[i].len);
    }
    if (trailing == 0 && self.incoming_prefix_) {
      stored.prefix = *self.incoming_prefix_;
    } else {
      self.refresh();  // the entries the library holds now, this event's too
      stored.prefix.assign(self.log_view_.begin(),
                           self.log_view_.begin() + std::ptrdiff_t(std::min<std::size_t>(self.log_view_.size(), stored.index)));
    }
    if (stored.prefix.size() != stored.index && self.broken_.empty())
      self.broken_ = fmt::format("stored a snapshot up to {} whose entries skiff does not know", stored.index);
    self.pending_.push_back(std::move(w));
    return 0;
  }

  // The disk's snapshot, handed over when the event's handler returns (a
  // read, as libuv's is).
  static int io_snapshot_get(raft_io* io, raft_io_snapshot_get* request, raft_io_snapshot_get_cb cb) {
    Impl& self = of(io);
    if (self.closing_) return RAFT_CANCELED;
    self.gets_done_.push_back(GetDone{request, cb});
    return 0;
  }

  // A raft_snapshot in memory the library takes over (raft_malloc), as
  // io->load and snapshot_get hand it out.
  static raft_snapshot* library_snapshot(const StoredSnapshot& stored) {
    auto* snapshot = static_cast<raft_snapshot*>(raft_calloc(1, sizeof(raft_snapshot)));
    snapshot->index = stored.index;
    snapshot->term = stored.term;
    library_configuration(stored.conf, snapshot->configuration);
    snapshot->configuration_index = stored.conf_index;
    snapshot->bufs = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    snapshot->n_bufs = 1;
    snapshot->bufs[0].len = stored.data.size();
    snapshot->bufs[0].base = raft_malloc(stored.data.empty() ? 1 : stored.data.size());
    if (!stored.data.empty()) std::memcpy(snapshot->bufs[0].base, stored.data.data(), stored.data.size());
    return snapshot;
  }

  // Closing is how a crash tears an instance down. The library frees its
  // requests in their callbacks, so each pending write's callback runs, with
  // status 0 although nothing reaches the disk: the instance is being thrown
  // away, and while closing_ nothing it does leaves the node (no message, no
  // write). Status RAFT_CANCELED is not an option: 0.15 then rolls the
  // leader's log back in appendLeaderCb on a log raft_close has already
  // dismantled, and crashes (docs/findings-libraft.md).
  static void io_close(raft_io* io, raft_io_close_cb cb) {
    Impl& self = of(io);
    self.closing_ = true;
    self.run_send_callbacks();
    std::deque<Write> pending;
    pending.swap(self.pending_);
    for (Write& w : pending) {
      if (w.snapshot && w.put_callback) w.put_callback(w.put_request, RAFT_CANCELED);
      else if (!w.truncate && w.callback) w.callback(w.request, 0);
    }
    self.run_send_callbacks();
    cb(io);
  }

  static int fsm_apply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
    Impl& self = *static_cast<Impl*>(fsm->data);
    *result = nullptr;
    const raft& r = self.instance_->r;
    // The entry's index: the library hands over the buffer inside its log.
    raft_index index = r.last_applied + 1;
    const raft_log& log = r.log;
    const std::size_t n = log_count(log);
    const bool at_next = index > log.offset && index - log.offset - 1 < n &&
                         &log.entries[(log.front + (index - log.offset - 1)) % log.size].buf == buf;
    if (!at_next)  // not where it is applied in order: look for it
      for (std::size_t k = 0; k < n; ++k) {
        const raft_entry& e = log.entries[(log.front + k) % log.size];
        if (&e.buf == buf) index = log.offset + 1 + k;
      }
    const auto* bytes = static_cast<const std::uint8_t*>(buf->base);
    if (self.applied_.size() < index) self.applied_.resize(index, 0);
    self.applied_[index - 1] = command_of(RAFT_COMMAND, bytes, buf->len);
    return 0;
  }
  // The FSM's state is what it applied: the command at each index up to
  // last_applied (0 where the entry is not a command), 4 bytes each.
  static int fsm_snapshot(raft_fsm* fsm, raft_buffer** bufs, unsigned* n_bufs) {
    Impl& self = *static_cast<Impl*>(fsm->data);
    const std::size_t n = self.instance_->r.last_applied;
    auto* buffer = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
    buffer->len = 4 * n;
    buffer->base = raft_malloc(n ? 4 * n : 1);
    auto* bytes = static_cast<std::uint8_t*>(buffer->base);
    for (std::size_t i = 0; i < n; ++i) {
      const Command c = i < self.applied_.size() ? self.applied_[i] : 0;
      for (int b = 0; b < 4; ++b) bytes[4 * i + std::size_t(b)] = std::uint8_t(c >> (8 * b));
    }
    *bufs = buffer;
    *n_bufs = 1;
    return 0;
  }
  // Takes the buffer over (0.15's snapshotRestore hands it to the FSM). The
  // state restored must be the applied prefix of the entries the snapshot
  // stands for (restoring_: the ghost view of them); else restore_error_.
  static int fsm_restore(raft_fsm* fsm, raft_buffer* buf) {
    Impl& self = *static_cast<Impl*>(fsm->data);
    const auto* bytes = static_cast<const std::uint8_t*>(buf->base);
    const std::size_t n = buf->len / 4;
    self.applied_.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i)
      for (int b = 3; b >= 0; --b) self.applied_[i] = self.applied_[i] << 8 | bytes[4 * i + std::size_t(b)];
    raft_free(buf->base);
    ++self.applied_restores_;
    if (self.restore_error_.empty()) {
      const std::vector<Entry>* expected = self.restoring_;
      if (!expected) {
        self.restore_error_ = fmt::format("restored a snapshot of {} entries skiff did not see stored", n);
      } else if (expected->size() != n) {
        self.restore_error_ =
            fmt::format("restored a state of {} entries from a snapshot of entries 1..{}", n, expected->size());
      } else {
        for (std::size_t i = 0; i < n; ++i)
          if (self.applied_[i] != (*expected)[i].command) {
            self.restore_error_ = fmt::format("restored command {} at index {}, where the snapshot's entry is {}:{}",
                                              self.applied_[i], i + 1, (*expected)[i].term, (*expected)[i].command);
            break;
          }
      }
    }
    return 0;
  }

  static void apply_done(struct raft_apply* request, int, void*) { delete request; }

  // ---- the library's promises ----------------------------------------------
  // Whatever a node says in a message it must have on its disk: its term; a
  // granted vote; the entries a successful AppendEntriesResult acknowledges.
  // Pre-vote messages carry the term the candidate would stand in (a request
  // and, in 0.15, a reply granting or refusing it), which nobody stores.
  void check_promises(const Message& m) {
    if (!broken_.empty()) return;
    const bool pre_vote =
        (m.type == RAFT_IO_REQUEST_VOTE || m.type == RAFT_IO_REQUEST_VOTE_RESULT) && m.pre_vote;
    if (m.term > disk_.term && !pre_vote) {
      broken_ = fmt::format("sent {} in term {} with term {} on disk", m.type_name(), m.term, disk_.term);
      return;
    }
    if (m.type == RAFT_IO_REQUEST_VOTE_RESULT && m.granted && !m.pre_vote &&
        (disk_.term != m.term || disk_.vote == 0)) {
      broken_ = fmt::format("granted a vote in term {} with term {} vote {} on disk", m.term, disk_.term, disk_.vote);
      return;
    }
    if (m.type == RAFT_IO_APPEND_ENTRIES_RESULT && m.rejected == 0) {
      refresh();
      if (m.last_index > disk_view_.size()) {
        broken_ = fmt::format("acknowledged entries up to {} with {} on disk", m.last_index, disk_view_.size());
        return;
      }
      // The entry acknowledged must be the one the library holds at that index.
      if (m.last_index > 0 && m.last_index <= log_view_.size()) {
        if (log_view_[m.last_index - 1].term != disk_view_[m.last_index - 1].term)
          broken_ = fmt::format("acknowledged entry {} of term {} with term {} there on disk", m.last_index,
                                log_view_[m.last_index - 1].term, disk_view_[m.last_index - 1].term);
      }
    }
  }

  // ---- disk ----------------------------------------------------------------------
  // Puts a write's effect on the disk, whole (entries appended, or the log
  // truncated), once.
  void land(Write& w) {
    if (w.landed) return;
    w.landed = true;
    if (w.truncate) {
      disk_stale_from_ = std::min<std::size_t>(disk_stale_from_, w.truncate_from > 0 ? w.truncate_from - 1 : 0);
      if (w.truncate_from < disk_.log_start) disk_.log.clear();
      else if (w.truncate_from - disk_.log_start < disk_.log.size()) disk_.log.resize(w.truncate_from - disk_.log_start);
      return;
    }
    if (w.snapshot) {
      disk_stale_from_ = 0;  // the entries below the log's new start are the snapshot's
      disk_.snapshot = w.stored;
      const std::uint64_t index = w.stored.index;
      const std::uint64_t keep_from = w.trailing == 0 ? index + 1 : index > w.trailing ? index - w.trailing + 1 : 1;
      if (keep_from > disk_.log_start) {
        const std::uint64_t drop = std::min<std::uint64_t>(keep_from - disk_.log_start, disk_.log.size());
        disk_.log.erase(disk_.log.begin(), disk_.log.begin() + std::ptrdiff_t(drop));
        if (disk_.log.empty() || w.trailing == 0) disk_.log.clear();
        disk_.log_start = keep_from;
      }
      return;
    }
    disk_stale_from_ = std::min<std::size_t>(disk_stale_from_, disk_.log_start - 1 + disk_.log.size());
    for (const StoredEntry& e : w.entries) disk_.log.push_back(e);
  }

  // writes-land-early: the oldest pending write not yet on the disk lands.
  void land_oldest_write() {
    for (Write& w : pending_)
      if (!w.landed) return land(w);
  }
  bool has_unlanded_write() const {
    for (const Write& w : pending_)
      if (!w.landed) return true;
    return false;
  }

  void complete_oldest_write() {
    if (pending_.empty()) return;
    Write w = std::move(pending_.front());
    pending_.pop_front();
    land(w);
    if (w.snapshot) {
      restoring_ = &w.stored.prefix;  // an InstallSnapshot's callback restores it
      if (w.put_callback) w.put_callback(w.put_request, 0);
      restoring_ = nullptr;
    } else if (!w.truncate && w.callback) {
      w.callback(w.request, 0);
    }
  }

  // Writes that landed complete (in order, as libuv reports them); the rest
  // fail with RAFT_IOERR, and the disk refuses writes until a restart or a
  // disk-heal.
  void fail_pending_writes() {
    if (!has_unlanded_write() || disk_errors_left_ == 0) return;
    --disk_errors_left_;
    disk_broken_ = true;
    std::deque<Write> failing;
    failing.swap(pending_);
    for (Write& w : failing) {
      if (w.snapshot) {
        restoring_ = &w.stored.prefix;
        if (w.put_callback) w.put_callback(w.put_request, w.landed ? 0 : RAFT_IOERR);
        restoring_ = nullptr;
      } else if (!w.truncate && w.callback) {
        w.callback(w.request, w.landed ? 0 : RAFT_IOERR);
      }
    }
  }

  // ---- after each event ------------------------------------------------------------
  void run_send_callbacks() {
    while (!sends_done_.empty() || !gets_done_.empty()) {
      std::vector<SendDone> done;
      done.swap(sends_done_);
      for (const SendDone& s : done)
        if (s.callback) s.callback(s.request, closing_ ? RAFT_CANCELED : 0);
      std::vector<GetDone> gets;
      gets.swap(gets_done_);
      for (const GetDone& g : gets) {
        if (closing_ || !disk_.snapshot) g.callback(g.request, nullptr, closing_ ? RAFT_CANCELED : RAFT_NOTFOUND);
        else g.callback(g.request, library_snapshot(*disk_.snapshot), 0);
      }
    }
  }

  void finish(Fx& fx) {
    if (instance_) in_library("a send callback", [&] { run_send_callbacks(); });
    fx_ = nullptr;
    if (running_) fx.arm(kTick);
    else fx.cancel(kTick);
    if (running_ && !pending_.empty()) fx.arm(kDiskWrite);
    else fx.cancel(kDiskWrite);
    if (running_ && has_unlanded_write() && disk_errors_left_ > 0) fx.arm(kDiskFail);
    else fx.cancel(kDiskFail);
    if (options_.timeout_now && running_ && role() != Role::Leader) fx.arm(kTimeoutNow);
    else fx.cancel(kTimeoutNow);
    if (options_.disk_heals && running_ && disk_broken_) fx.arm(kDiskHeal);
    else fx.cancel(kDiskHeal);
    if (options_.writes_land_early && running_ && has_unlanded_write()) fx.arm(kDiskLand);
    else fx.cancel(kDiskLand);
    refresh();
  }

  void fail_boot(const char* what, int rc) {
    if (broken_.empty())
      broken_ = fmt::format("{} failed on its own durable state: {} ({})", what, raft_strerror(rc),
                            instance_ && instance_->initialized ? raft_errmsg(&instance_->r) : "");
    running_ = false;
    if (instance_ && instance_->initialized) close_instance();
    else instance_.reset();
    if (fx_) finish(*fx_);
  }

  void close_instance() {
    if (!instance_) return;
    Fx* saved = fx_;
    fx_ = nullptr;
    if (instance_->initialized) {
      closing_ = true;
      // raft_close completes through io_close, synchronously here.
      in_library("raft_close", [&] {
        raft_close(&instance_->r, [](raft* r) { static_cast<Instance*>(r->data)->closed = true; });
      });
    }
    closing_ = false;
    running_ = false;
    log_stale_from_ = 0;  // the log is the disk's now
    if (!instance_->initialized || instance_->closed) instance_.reset();
    else keep_abandoned(instance_.release());  // the library never finished closing: leave its memory alone
    fx_ = saved;
  }

 public:
  // Brings log_view_ and disk_view_ up to date with the library's log and the
  // disk, from the lowest index that may have changed since the last call
  // (log_stale_from_, disk_stale_from_: what io_append, io_truncate, the
  // landing of disk writes, boot and crash recorded), so that an event costs
  // what it changed, not the log's length. Entries the library no longer
  // holds in memory (before log.offset, compacted into a snapshot) keep the
  // view they had: the log is read from index 1 whatever was compacted.
  // With whole_views_, everything is rebuilt (the adapter as it was, for
  // the benchmark's "before").
  void refresh() {
    if (whole_views_) log_stale_from_ = disk_stale_from_ = 0;
    const std::size_t disk_from = refresh_disk_view();
    if (running_) {
      const raft_log& log = instance_->r.log;
      const std::size_t offset = log.offset;
      const std::size_t n = log_count(log);
      const std::size_t old_size = log_view_.size();
      const std::size_t from = std::max<std::size_t>(std::min({log_stale_from_, old_size, offset + n}), offset);
      log_stale_from_ = kClean;
      if (from == old_size && from == offset + n) return;
      log_view_.resize(from);  // below offset: an empty Entry where the view never saw one (cannot happen)
      for (std::size_t k = from - offset; k < n; ++k) {
        const raft_entry& e = log.entries[(log.front + k) % log.size];
        log_view_.push_back(view_entry(e.term, e.type, static_cast<const std::uint8_t*>(e.buf.base), e.buf.len));
      }
      log_writes_.wrote(std::min(from, old_size));
      return;
    }
    // Not running: the log is the disk's.
    const std::size_t from = std::min({log_stale_from_, disk_from, log_view_.size(), disk_view_.size()});
    log_stale_from_ = kClean;
    if (from == log_view_.size() && from == disk_view_.size()) return;
    log_view_.resize(from);
    log_view_.insert(log_view_.end(), disk_view_.begin() + std::ptrdiff_t(from), disk_view_.end());
    log_writes_.wrote(from);
  }

  // What refresh() does, from nothing: "" if the views are what they would
  // be rebuilt, else where they differ (for tests of the adapter).
  std::string stale_views() const {
    std::vector<Entry> disk;
    if (disk_.log_start > 1 && disk_.snapshot) {
      const auto& prefix = disk_.snapshot->prefix;
      disk.assign(prefix.begin(), prefix.begin() + std::ptrdiff_t(std::min<std::size_t>(prefix.size(), disk_.log_start - 1)));
    }
    disk.resize(disk_.log_start - 1);
    for (const StoredEntry& e : disk_.log) disk.push_back(view_entry(e));
    std::vector<Entry> log = log_view_;
    if (running_) {
      const raft_log& l = instance_->r.log;
      log.resize(l.offset);
      for (std::size_t k = 0, n = log_count(l); k < n; ++k) {
        const raft_entry& e = l.entries[(l.front + k) % l.size];
        log.push_back(view_entry(e.term, e.type, static_cast<const std::uint8_t*>(e.buf.base), e.buf.len));
      }
    } else {
      log = disk;
    }
    auto differ = [](const std::vector<Entry>& a, const std::vector<Entry>& b) -> std::string {
      if (a.size() != b.size()) return fmt::format("{} entries, rebuilt {}", a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i])) return fmt::format("entry {} is {}:{}, rebuilt {}:{}", i + 1, a[i].term, a[i].command, b[i].term, b[i].command);
      return {};
    };
    std::uint64_t configuration_index = 0;
    for (std::size_t i = disk.size(); i-- > 0;)
      if (disk[i].change) {
        configuration_index = i + 1;
        break;
      }
    if (std::string d = differ(disk_view_, disk); !d.empty()) return "disk view: " + d;
    if (std::string d = differ(log_view_, log); !d.empty()) return "log view: " + d;
    if (configuration_index != disk_configuration_index_)
      return fmt::format("disk configuration at {}, rebuilt {}", disk_configuration_index_, configuration_index);
    return {};
  }

  std::uint64_t log_writes() const { return log_writes_.writes(); }
  std::size_t log_written_from() const { return log_writes_.from(); }
  std::uint64_t disk_writes() const { return disk_writes_.writes(); }
  std::size_t disk_written_from() const { return disk_writes_.from(); }

 private:
  static constexpr std::size_t kClean = std::size_t(-1);

  void begin_event() {
    log_writes_.begin_event();
    disk_writes_.begin_event();
  }
  void log_stale(std::size_t from) { log_stale_from_ = std::min(log_stale_from_, from); }

  // The disk's part of refresh(): returns the lowest index it rewrote
  // (kClean: none).
  std::size_t refresh_disk_view() {
    const std::size_t start = disk_.log_start - 1;  // entries below: the snapshot's
    const std::size_t size = start + disk_.log.size();
    const std::size_t old_size = disk_view_.size();
    const std::size_t from = std::min({disk_stale_from_, old_size, size});
    disk_stale_from_ = kClean;
    if (from == old_size && from == size) return kClean;
    disk_view_.resize(from);
    const std::vector<Entry>* prefix = disk_.snapshot ? &disk_.snapshot->prefix : nullptr;
    for (std::size_t i = from; i < start; ++i) disk_view_.push_back(prefix && i < prefix->size() ? (*prefix)[i] : Entry{});
    for (std::size_t i = std::max(from, start); i < size; ++i) disk_view_.push_back(view_entry(disk_.log[i - start]));
    disk_writes_.wrote(from);
    // The last configuration entry on the disk.
    // The last configuration entry on the disk: among the entries rewritten,
    // else the one before them (looked for again if it was rewritten).
    const std::size_t look_down_to = disk_configuration_index_ > from ? 0 : from;
    if (disk_configuration_index_ > from) disk_configuration_index_ = 0;
    for (std::size_t i = size; i-- > look_down_to;)
      if (disk_view_[i].change) {
        disk_configuration_index_ = i + 1;
        break;
      }
    return from;
  }

 private:
  NodeIndex self_;
  int node_count_;
  std::unique_ptr<Instance> instance_;
  std::deque<Write> pending_;
  std::deque<Request> requests_;  // stable addresses
  std::vector<SendDone> sends_done_;
  std::vector<GetDone> gets_done_;
  const std::vector<Entry>* incoming_prefix_ = nullptr;  // while an InstallSnapshot is delivered
  const std::vector<Entry>* restoring_ = nullptr;        // while the FSM may restore a snapshot
  Fx* fx_ = nullptr;
  bool closing_ = false;
  bool disk_broken_ = false;
  std::uint32_t disk_errors_left_;                // the scheduler's budget: kept across restarts
  Options options_;                               // the variants
  std::uint64_t clock_ms_ = 0;                    // the node's virtual clock: kept across restarts
  std::uint64_t rng_ = 0;
  // Where the views may differ from what they show (refresh()), and what
  // each event changed of them (for the invariants, protocols/log_writes.hpp).
  std::size_t log_stale_from_ = 0, disk_stale_from_ = 0;
  LogWrites log_writes_, disk_writes_;
  std::uint64_t disk_configuration_index_ = 0;  // of the last configuration entry of disk_view_ (0: none)

 public:
  bool whole_views_ = false;  // Node::set_whole_views
};

Node::Node(NodeIndex self, int node_count, const Options& options)
    : impl_(std::make_unique<Impl>(self, node_count, options)) {}

namespace {
// In this order: kVariants[i] is the Options member variant_flag(i) names.
constexpr BugInfo kVariants[] = {
    {"timeout-now",
     "a `timeout-now` timer on every running node that does not lead: one event moves its clock past the "
     "election timeout and ticks once (an election in one event, not several ticks)"},
    {"pre-vote", "the library's own pre-vote (raft_set_pre_vote): a candidate asks before it raises its term"},
    {"disk-heals",
     "after a disk-fail, a `disk-heal` event lets the disk take writes again without a restart (as libuv's "
     "backend does in 0.15: it never refuses a write after an error)"},
    {"writes-land-early",
     "a `disk-land` event puts the oldest pending write on the disk, whole, before its callback runs: a crash "
     "keeps it though the library never heard it was durable"},
    {"snapshots",
     "the library takes a snapshot every 4 applied entries and keeps 2 behind it (raft_set_snapshot_threshold, "
     "raft_set_snapshot_trailing): snapshot_put is a disk write, InstallSnapshot travels the network"},
    {"spare",
     "spare=N,...: these nodes are not in the bootstrap configuration (an empty disk), until an admin event "
     "adds them (raft_add, then raft_assign)"},
};
constexpr std::size_t kFlagVariants = 5;  // kVariants[0..4) are the flags of variant_flag()

constexpr AdminOperation kAdmin[] = {
    {"add", "add N: the leader adds node N to its configuration as a spare (raft_add)", true,
     AdminBudget::ConfigChanges},
    {"assign-voter",
     "assign-voter N: the leader makes node N a voter (raft_assign; once N has caught up, by catch-up rounds)",
     true, AdminBudget::ConfigChanges},
    {"assign-standby", "assign-standby N: the leader makes node N a standby: replicated to, not counted (raft_assign)",
     true, AdminBudget::ConfigChanges},
    {"assign-spare", "assign-spare N: the leader makes node N a spare: neither replicated to nor counted (raft_assign)",
     true, AdminBudget::ConfigChanges},
    {"remove", "remove N: the leader removes node N (itself too) from its configuration (raft_remove)", true,
     AdminBudget::ConfigChanges},
    {"transfer", "transfer N: the leader hands leadership to voter N (raft_transfer: TimeoutNow once N is up to date)",
     true, AdminBudget::Transfers},
};
static_assert(std::size(kAdmin) == std::size_t(AdminOp::Count));

bool Options::* variant_flag(std::size_t i) {
  static constexpr bool Options::* kFlags[] = {&Options::timeout_now, &Options::pre_vote, &Options::disk_heals,
                                                &Options::writes_land_early, &Options::snapshots};
  static_assert(std::size(kFlags) == kFlagVariants);
  return kFlags[i];
}
}  // namespace

std::span<const BugInfo> variant_table() { return kVariants; }
std::span<const AdminOperation> admin_table() { return kAdmin; }

std::string Options::enable_variant(std::string_view spec, int node_count) {
  for (std::size_t i = 0; i < kFlagVariants; ++i) {
    if (kVariants[i].name != spec) continue;
    this->*variant_flag(i) = true;
    return {};
  }
  if (spec == "spare") return "variant 'spare' needs its nodes: spare=N,...";
  if (spec.starts_with("spare=")) {
    std::string_view list = spec.substr(6);
    std::uint8_t nodes = 0;
    while (true) {
      const auto comma = list.find(',');
      const std::string_view item = list.substr(0, comma);
      if (item.size() != 1 || item[0] < '1' || item[0] - '0' > node_count)
        return fmt::format("variant '{}' has a bad node number '{}' (1 to {})", spec, item, node_count);
      nodes |= std::uint8_t(1u << (item[0] - '1'));
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
    const std::uint8_t all = std::uint8_t((1u << node_count) - 1);
    if (std::popcount(unsigned((spares | nodes) & all)) >= node_count)
      return fmt::format("variant '{}': no node would be left in the bootstrap configuration", spec);
    spares |= nodes;
    return {};
  }
  return fmt::format("unknown variant '{}' for protocol libraft (see 'skiff list')", spec);
}

std::vector<std::string> Options::enabled_variants() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kFlagVariants; ++i)
    if (this->*variant_flag(i)) names.emplace_back(kVariants[i].name);
  if (spares) {
    std::string spec = "spare=";
    for (int i = 0; i < kMaxNodes; ++i)
      if (spares & (1u << i)) spec += fmt::format("{}{}", spec.size() > 6 ? "," : "", i + 1);
    names.push_back(std::move(spec));
  }
  return names;
}
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

void Node::start(Fx& fx) { impl_->boot(fx, /*first=*/true); }
void Node::restart(Fx& fx) { impl_->boot(fx, /*first=*/false); }
void Node::crash() { impl_->crash(); }
void Node::on_message(NodeIndex from, const Message& message, Fx& fx) { impl_->on_message(from, message, fx); }
void Node::on_timer(TimerId timer, Fx& fx) { impl_->on_timer(timer, fx); }
bool Node::on_client_command(Command command, Fx& fx) { return impl_->on_client_command(command, fx); }
bool Node::admin_enabled(int operation, NodeIndex target) const { return impl_->admin_enabled(operation, target); }
bool Node::on_admin(int operation, NodeIndex target, Fx& fx) { return impl_->on_admin(operation, target, fx); }
void Node::print(std::string& out) const { impl_->print(out); }
void Node::encode(StateEncoder& encoder) const { impl_->encode(encoder); }

Role Node::role() const { return impl_->role(); }
std::uint64_t Node::term() const { return impl_->term(); }
std::optional<NodeIndex> Node::voted_for() const {
  const std::uint64_t vote = impl_->vote();
  if (vote == 0) return std::nullopt;
  return NodeIndex(vote - 1);
}
std::span<const Entry> Node::log() const { return impl_->log_view_; }
std::uint64_t Node::commit_index() const { return impl_->commit_index(); }
std::span<const Command> Node::applied() const { return impl_->applied_; }
std::span<const Entry> Node::durable_log() const { return impl_->disk_view_; }
std::uint64_t Node::log_writes() const { return impl_->log_writes(); }
std::size_t Node::log_written_from() const { return impl_->log_written_from(); }
std::uint64_t Node::durable_log_writes() const { return impl_->disk_writes(); }
std::size_t Node::durable_log_written_from() const { return impl_->disk_written_from(); }
std::uint64_t Node::applied_restores() const { return impl_->applied_restores_; }
std::string Node::stale_views() const { return impl_->stale_views(); }
void Node::set_whole_views(bool on) { impl_->whole_views_ = on; }
std::uint64_t Node::durable_term() const { return impl_->disk_.term; }
std::uint32_t Node::incarnation() const { return impl_->incarnation_; }
std::size_t Node::pending_writes() const { return impl_->pending_count(); }
std::string_view Node::broken_promise() const { return impl_->broken_; }
Configuration Node::configuration() const { return impl_->configuration(); }
std::uint64_t Node::configuration_index() const { return impl_->configuration_index(); }
Configuration Node::boot_configuration() const { return impl_->boot_configuration(); }
std::span<const std::string> Node::admin_reports() const { return impl_->admin_reports_; }
std::string_view Node::restore_error() const { return impl_->restore_error_; }
std::uint64_t Node::snapshot_index() const { return impl_->disk_.snapshot ? impl_->disk_.snapshot->index : 0; }

}  // namespace skiff::libraft
