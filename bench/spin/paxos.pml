/* Single-decree Paxos as skiff runs it (protocols/paxos, 3 nodes, every node
 * a proposer, acceptor and learner; skiff's untimed world: any message in
 * flight may be delivered next, any armed timer may fire, a client may hand
 * the next command to any node), for SPIN beside `skiff check paxos`
 * (bench/spin/compare.sh, BENCHMARKS.md).
 *
 * Bounds, as skiff check's: MAXROUND (--max-term: no node's ballot round
 * above it; an event that would start a higher round is not taken, as skiff
 * does not explore such a successor) and COMMANDS (--max-commands). No
 * faults. Messages in flight are a multiset: a sorted array of packed words.
 *
 * skiff's state also holds the invariants' ghost history, so this model
 * keeps the same ghosts: every (ballot, value) any acceptor voted for with
 * the set of acceptors that did (invariants/chosen_history.hpp; a set, kept
 * sorted, as skiff hashes it), and per proposer the promises its current
 * ballot gathered and the highest vote they reported, frozen when phase 2
 * starts (invariants/phase2_value_from_promises.hpp). With them the two
 * count the same distinct states at every bound of compare.sh. Agreement
 * is asserted directly (decided: the first value learned anywhere, a
 * function of the rest of the state).
 */
#ifndef MAXROUND
#define MAXROUND 1
#endif
#ifndef COMMANDS
#define COMMANDS 2
#endif
#define N 3
#define MAXM 24
#define K 6            /* tallies per learner */
#define MAJORITY 2
#define H (3 * MAXROUND)  /* ghost tallies: one (ballot, value) per ballot */

/* phases */
#define IDLE 0
#define PREPARING 1
#define ACCEPTING 2
/* message types */
#define PREPARE 1
#define PROMISE 2
#define ACCEPT 3
#define ACCEPTED 4
#define NACK 5

/* a ballot is round*4 + node (0: none); ordered as skiff's (round, node) */
#define ROUND(b) ((b) / 4)

byte promised[N], acc_b[N], acc_v[N], phase[N], ballot[N], seen[N], proms[N], rep_b[N], rep_v[N], own[N], learned[N];
byte tb[N*K], tv[N*K], ts[N*K], tn[N];
bit armed[N];
byte commands_left = COMMANDS;
byte next_command = 1;
int msgs[MAXM];  /* sorted ascending; 0 = empty, at the end */
byte nmsg = 0;
/* ghost: every (ballot, value) voted for, sorted by (ballot, value), with its voters */
byte hb[H], hv[H], hs[H];
byte hn = 0;
/* ghost, per proposer, for its current ballot (all 0 before its first):
 * promises gathered (frozen once phase 2 starts) and the highest vote reported */
bit gfz[N];
byte gpr[N], grb[N], grv[N];
byte decided = 0;  /* agreement: the first value learned anywhere (not in skiff's state) */

/* scratch, not part of the state */
hidden int zm, zw;
hidden byte zh, zk, zi, zj, zt, from, to, mtype_, mb, mp, eb, ev, self, zr;
hidden byte out_n;
hidden int outbox[8];

/* packed message: type, from, to, ballot, promised, entry ballot, entry value */
#define PACK(ty, f, d, b, p, b2, v) (((((((ty) * 4 + (f)) * 4 + (d)) * 16 + (b)) * 16 + (p)) * 16 + (b2)) * 8 + (v))

inline send(f, d, ty, b, p, b2, v) {
  outbox[out_n] = PACK(ty, f, d, b, p, b2, v);
  out_n++
}

/* moves the outbox into flight, keeping msgs sorted */
inline flush() {
  zt = 0;
  do
  :: zt < out_n ->
     assert(nmsg < MAXM);
     zj = nmsg;
     do
     :: zj > 0 && msgs[zj - 1] > outbox[zt] -> msgs[zj] = msgs[zj - 1]; zj--
     :: else -> break
     od;
     msgs[zj] = outbox[zt];
     nmsg++;
     outbox[zt] = 0;
     zt++
  :: else -> break
  od;
  out_n = 0; zt = 0; zj = 0
}

inline remove_msg(k) {
  zj = k;
  do
  :: zj + 1 < nmsg -> msgs[zj] = msgs[zj + 1]; zj++
  :: else -> break
  od;
  nmsg--;
  msgs[nmsg] = 0;
  zj = 0
}

inline unpack(word) {
  ev = word % 8; zw = word / 8;
  eb = zw % 16; zw = zw / 16;
  mp = zw % 16; zw = zw / 16;
  mb = zw % 16; zw = zw / 16;
  to = zw % 4; zw = zw / 4;
  from = zw % 4; mtype_ = zw / 4; zw = 0
}

inline leave_preparing(n) { proms[n] = 0; rep_b[n] = 0; rep_v[n] = 0 }

/* learner: acceptor a accepted value v at ballot b */
inline learn(n, a, b, v) {
  if
  :: learned[n] == 0 ->
     zi = 0;
     do
     :: zi < tn[n] && !(tb[n*K + zi] == b && tv[n*K + zi] == v) -> zi++
     :: else -> break
     od;
     if
     :: zi == tn[n] -> assert(tn[n] < K); tb[n*K + zi] = b; tv[n*K + zi] = v; ts[n*K + zi] = 0; tn[n]++
     :: else -> skip
     fi;
     ts[n*K + zi] = ts[n*K + zi] | (1 << a);
     if
     :: (ts[n*K + zi] & 1) + ((ts[n*K + zi] >> 1) & 1) + ((ts[n*K + zi] >> 2) & 1) >= MAJORITY ->
        learned[n] = v;
        assert(decided == 0 || decided == v);  /* agreement */
        decided = v;
        zi = 0;
        do
        :: zi < K -> tb[n*K + zi] = 0; tv[n*K + zi] = 0; ts[n*K + zi] = 0; zi++
        :: else -> break
        od;
        tn[n] = 0;
        if
        :: phase[n] == PREPARING -> leave_preparing(n)
        :: else -> skip
        fi;
        phase[n] = IDLE;
        armed[n] = 0
     :: else -> skip
     fi;
     zi = 0
  :: else -> skip
  fi
}

/* ghost: acceptor a voted for (b, v) */
inline history(a, b, v) {
  zh = 0;
  do
  :: zh < hn && hb[zh] * 8 + hv[zh] < (b) * 8 + (v) -> zh++
  :: else -> break
  od;
  if
  :: zh < hn && hb[zh] == b && hv[zh] == v -> skip
  :: else ->
     assert(hn < H);
     zk = hn;
     do
     :: zk > zh -> hb[zk] = hb[zk - 1]; hv[zk] = hv[zk - 1]; hs[zk] = hs[zk - 1]; zk--
     :: else -> break
     od;
     hb[zh] = b; hv[zh] = v; hs[zh] = 0; hn++
  fi;
  hs[zh] = hs[zh] | (1 << a);
  zh = 0; zk = 0
}

/* acceptor n takes Accept(b, v) from f */
inline accept(n, f, b, v) {
  if
  :: b >= promised[n] ->
     promised[n] = b;
     acc_b[n] = b; acc_v[n] = v;
     history(n, b, v);
     zr = 0;
     do
     :: zr < N -> if :: zr != n -> send(n, zr, ACCEPTED, b, 0, 0, v) :: else -> skip fi; zr++
     :: else -> break
     od;
     zr = 0;
     learn(n, n, b, v)
  :: else ->
     if
     :: f != n -> send(n, f, NACK, b, promised[n], 0, 0)
     :: else -> skip
     fi
  fi
}

inline start_phase2(n) {
  phase[n] = ACCEPTING;
  gfz[n] = 1;
  if
  :: rep_b[n] != 0 -> ev = rep_v[n]
  :: else -> ev = own[n]
  fi;
  leave_preparing(n);
  zr = 0;
  do
  :: zr < N -> if :: zr != n -> send(n, zr, ACCEPT, ballot[n], 0, 0, ev) :: else -> skip fi; zr++
  :: else -> break
  od;
  zr = 0;
  accept(n, n, ballot[n], ev);
  ev = 0
}

/* proposer n gets a Promise for ballot b from a, reporting vote (vb, vv) */
inline handle_promise(n, a, b, vb, vv) {
  if
  :: phase[n] == PREPARING && b == ballot[n] ->
     if
     :: !(proms[n] & (1 << a)) ->
        proms[n] = proms[n] | (1 << a);
        if
        :: vb != 0 && vb > rep_b[n] -> rep_b[n] = vb; rep_v[n] = vv
        :: else -> skip
        fi
     :: else -> skip
     fi;
     if
     :: (proms[n] & 1) + ((proms[n] >> 1) & 1) + ((proms[n] >> 2) & 1) >= MAJORITY -> start_phase2(n)
     :: else -> skip
     fi
  :: else -> skip
  fi
}

/* the round start_phase1 would take */
#define NEXT_ROUND(n) ((seen[n] > ROUND(ballot[n]) -> (seen[n] > ROUND(promised[n]) -> seen[n] : ROUND(promised[n])) : (ROUND(ballot[n]) > ROUND(promised[n]) -> ROUND(ballot[n]) : ROUND(promised[n]))) + 1)

inline start_phase1(n) {
  ballot[n] = NEXT_ROUND(n) * 4 + n;
  phase[n] = PREPARING;
  proms[n] = 0; rep_b[n] = 0; rep_v[n] = 0;
  gfz[n] = 0; gpr[n] = 1 << n; grb[n] = acc_b[n]; grv[n] = acc_v[n];
  armed[n] = 1;
  zr = 0;
  do
  :: zr < N -> if :: zr != n -> send(n, zr, PREPARE, ballot[n], 0, 0, 0) :: else -> skip fi; zr++
  :: else -> break
  od;
  zr = 0;
  /* its own acceptor promises (the ballot is above its promise) */
  promised[n] = ballot[n];
  handle_promise(n, n, ballot[n], acc_b[n], acc_v[n])
}

inline step_down_if_outbid(n) {
  if
  :: phase[n] != IDLE && promised[n] > ballot[n] ->
     if :: phase[n] == PREPARING -> leave_preparing(n) :: else -> skip fi;
     phase[n] = IDLE
  :: else -> skip
  fi
}

inline max_seen(n, b) {
  if :: ROUND(b) > seen[n] -> seen[n] = ROUND(b) :: else -> skip fi
}

#define can_deliver(k) true

inline deliver(k) {
  unpack(msgs[k]);
  remove_msg(k);
  self = to;
  max_seen(self, mb);
  max_seen(self, mp);
  if
  :: mtype_ == PREPARE ->
     if
     :: mb <= promised[self] -> send(self, from, NACK, mb, promised[self], 0, 0)
     :: else -> promised[self] = mb; send(self, from, PROMISE, mb, 0, acc_b[self], acc_v[self])
     fi;
     step_down_if_outbid(self)
  :: mtype_ == PROMISE ->
     /* ghost: a promise for its current ballot counts until phase 2, even after stepping down */
     if
     :: !gfz[self] && ballot[self] != 0 && mb == ballot[self] && !(gpr[self] & (1 << from)) ->
        gpr[self] = gpr[self] | (1 << from);
        if :: eb != 0 && eb > grb[self] -> grb[self] = eb; grv[self] = ev :: else -> skip fi
     :: else -> skip
     fi;
     handle_promise(self, from, mb, eb, ev)
  :: mtype_ == ACCEPT -> accept(self, from, mb, ev); step_down_if_outbid(self)
  :: mtype_ == ACCEPTED -> learn(self, from, mb, ev)
  :: mtype_ == NACK ->
     if
     :: phase[self] != IDLE && mb == ballot[self] && mp > ballot[self] ->
        if :: phase[self] == PREPARING -> leave_preparing(self) :: else -> skip fi;
        phase[self] = IDLE
     :: else -> skip
     fi
  fi;
  flush();
  mtype_ = 0; from = 0; to = 0; mb = 0; mp = 0; eb = 0; ev = 0; self = 0
}

/* timer of node n: restarts phase 1 while it has a value and no decision */
#define TIMER_STARTS(n) (own[n] != 0 && learned[n] == 0)
/* a client command to n is taken unless n has a value or knows the decision */
#define CLIENT_TAKEN(n) (own[n] == 0 && learned[n] == 0)

inline timer(n) {
  start_phase1(n);
  flush()
}

inline client(n) {
  own[n] = next_command;
  next_command++;
  commands_left--;
  start_phase1(n);
  flush()
}

active proctype world() {
end:
  do
  :: d_step { nmsg > 0 && can_deliver(0) -> deliver(0) }
  :: d_step { nmsg > 1 && can_deliver(1) -> deliver(1) }
  :: d_step { nmsg > 2 && can_deliver(2) -> deliver(2) }
  :: d_step { nmsg > 3 && can_deliver(3) -> deliver(3) }
  :: d_step { nmsg > 4 && can_deliver(4) -> deliver(4) }
  :: d_step { nmsg > 5 && can_deliver(5) -> deliver(5) }
  :: d_step { nmsg > 6 && can_deliver(6) -> deliver(6) }
  :: d_step { nmsg > 7 && can_deliver(7) -> deliver(7) }
  :: d_step { nmsg > 8 && can_deliver(8) -> deliver(8) }
  :: d_step { nmsg > 9 && can_deliver(9) -> deliver(9) }
  :: d_step { nmsg > 10 && can_deliver(10) -> deliver(10) }
  :: d_step { nmsg > 11 && can_deliver(11) -> deliver(11) }
  :: d_step { nmsg > 12 && can_deliver(12) -> deliver(12) }
  :: d_step { nmsg > 13 && can_deliver(13) -> deliver(13) }
  :: d_step { nmsg > 14 && can_deliver(14) -> deliver(14) }
  :: d_step { nmsg > 15 && can_deliver(15) -> deliver(15) }
  :: d_step { nmsg > 16 && can_deliver(16) -> deliver(16) }
  :: d_step { nmsg > 17 && can_deliver(17) -> deliver(17) }
  :: d_step { nmsg > 18 && can_deliver(18) -> deliver(18) }
  :: d_step { nmsg > 19 && can_deliver(19) -> deliver(19) }
  :: d_step { nmsg > 20 && can_deliver(20) -> deliver(20) }
  :: d_step { nmsg > 21 && can_deliver(21) -> deliver(21) }
  :: d_step { nmsg > 22 && can_deliver(22) -> deliver(22) }
  :: d_step { nmsg > 23 && can_deliver(23) -> deliver(23) }
  :: d_step { armed[0] && TIMER_STARTS(0) && NEXT_ROUND(0) <= MAXROUND -> timer(0) }
  :: d_step { armed[1] && TIMER_STARTS(1) && NEXT_ROUND(1) <= MAXROUND -> timer(1) }
  :: d_step { armed[2] && TIMER_STARTS(2) && NEXT_ROUND(2) <= MAXROUND -> timer(2) }
  :: d_step { commands_left > 0 && CLIENT_TAKEN(0) && NEXT_ROUND(0) <= MAXROUND -> client(0) }
  :: d_step { commands_left > 0 && CLIENT_TAKEN(1) && NEXT_ROUND(1) <= MAXROUND -> client(1) }
  :: d_step { commands_left > 0 && CLIENT_TAKEN(2) && NEXT_ROUND(2) <= MAXROUND -> client(2) }
  od
}
