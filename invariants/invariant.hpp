// Named safety properties, checked after every event that changes a node.
//
// An invariant is a value type with
//   static constexpr std::string_view name, description;
//   template <class World> std::optional<std::string> check(const World&, int touched);
// `touched` is the node the event changed. check() may keep the ghost history
// it needs (every leader ever seen, every entry ever committed) in members;
// everything else it reads from the world's read-only view. It returns
// nothing, or a one-line explanation naming the nodes, terms and indices.
// `void encode(StateEncoder&) const` puts that ghost history into the model
// checker's state (protocols/state_encoder.hpp); one that needs to read the
// state to know which of its history can still matter takes the world too:
// `void encode(StateEncoder&, const World&) const`. Optionally,
//   void restore(const Self& from, int touched);
// makes the invariant equal to `from` again when it was equal to it before a
// single check(world, touched), copying only what that check can change (the
// model checker tries every successor of a state in turn); without it, the
// checker assigns the whole invariant.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace skiff {

struct Violation {
  std::string invariant;
  std::string explanation;
};

struct InvariantInfo {
  std::string_view name;
  std::string_view description;
};

// The invariants a protocol is checked against, checked in the order listed;
// the first that fails is the violation.
template <class... Invariants>
class InvariantSet {
 public:
  static constexpr std::array<InvariantInfo, sizeof...(Invariants)> info = {
      InvariantInfo{Invariants::name, Invariants::description}...};

  void reset() { invariants_ = {}; }

  // The ghost history, for the model checker's state fingerprints.
  template <class Encoder, class World>
  void encode(Encoder& encoder, const World& world) const {
    std::apply([&](const auto&... invariant) { (encode_one(invariant, encoder, world), ...); }, invariants_);
  }

  // See restore() above: undoes one check(world, touched).
  void restore(const InvariantSet& from, int touched) {
    restore_each(from, touched, std::index_sequence_for<Invariants...>{});
  }

  // For the model checker's partial-order reduction (checker/reduction.hpp):
  // a rule (an invariant whose description starts "rule:", which judges a
  // step) reads the world through `rule_view`, the others through `world`;
  // otherwise the same as check(world, touched).
  template <class World, class RuleView>
  std::optional<Violation> check(const World& world, const RuleView& rule_view, int touched) {
    std::optional<Violation> violation;
    std::apply(
        [&](auto&... invariant) {
          (check_one_viewed(invariant, world, rule_view, touched, violation), ...);
        },
        invariants_);
    return violation;
  }

  // For the same: the ghost history of the invariants that are not rules
  // (what they share between nodes; a rule keeps only per-node summaries).
  template <class Encoder, class World>
  void encode_property_history(Encoder& encoder, const World& world) const {
    std::apply(
        [&](const auto&... invariant) {
          (encode_property_one(invariant, encoder, world), ...);
        },
        invariants_);
  }

  template <class Invariant>
  static constexpr bool is_rule() {
    return Invariant::description.starts_with("rule:");
  }

  template <class World>
  std::optional<Violation> check(const World& world, int touched) {
    std::optional<Violation> violation;
    std::apply(
        [&](auto&... invariant) {
          (check_one(invariant, world, touched, violation), ...);
        },
        invariants_);
    return violation;
  }

 private:
  template <std::size_t... I>
  void restore_each(const InvariantSet& from, int touched, std::index_sequence<I...>) {
    (restore_one(std::get<I>(invariants_), std::get<I>(from.invariants_), touched), ...);
  }
  template <class Invariant>
  static void restore_one(Invariant& invariant, const Invariant& from, int touched) {
    if constexpr (requires { invariant.restore(from, touched); })
      invariant.restore(from, touched);
    else
      invariant = from;
  }

  template <class Invariant, class Encoder, class World>
  static void encode_one(const Invariant& invariant, Encoder& encoder, const World& world) {
    if constexpr (requires { invariant.encode(encoder, world); })
      invariant.encode(encoder, world);
    else
      invariant.encode(encoder);
  }

  template <class Invariant, class World>
  static void check_one(Invariant& invariant, const World& world, int touched,
                        std::optional<Violation>& violation) {
    if (violation) return;
    if (auto explanation = invariant.check(world, touched))
      violation = Violation{std::string(Invariant::name), std::move(*explanation)};
  }

  template <class Invariant, class World, class RuleView>
  static void check_one_viewed(Invariant& invariant, const World& world, const RuleView& rule_view, int touched,
                               std::optional<Violation>& violation) {
    if constexpr (is_rule<Invariant>())
      check_one(invariant, rule_view, touched, violation);
    else
      check_one(invariant, world, touched, violation);
  }
  template <class Invariant, class Encoder, class World>
  static void encode_property_one(const Invariant& invariant, Encoder& encoder, const World& world) {
    if constexpr (!is_rule<Invariant>()) encode_one(invariant, encoder, world);
  }

  std::tuple<Invariants...> invariants_;
};

}  // namespace skiff
