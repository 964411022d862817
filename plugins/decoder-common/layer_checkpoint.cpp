#include "layer_checkpoint.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace tp::decoder {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The default generators a layer may draw from (adapter dropout): the CPU's,
// and its device's when it runs on one.
class RandomState {
 public:
  explicit RandomState(const at::Device& device) {
    generators_.push_back(at::detail::getDefaultCPUGenerator());
    if (!device.is_cpu()) generators_.push_back(at::globalContext().defaultGenerator(device));
  }
  std::vector<at::Tensor> capture() const {
    std::vector<at::Tensor> states;
    for (at::Generator generator : generators_) {  // a handle; mutex() is not const
      const std::lock_guard<std::mutex> lock(generator.mutex());
      states.push_back(generator.get_state());
    }
    return states;
  }
  void restore(const std::vector<at::Tensor>& states) const {
    for (std::size_t i = 0; i < generators_.size(); ++i) {
      at::Generator generator = generators_[i];  // a handle
      const std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(states[i]);
    }
  }

 private:
  std::vector<at::Generator> generators_;
};

// What the backward needs besides the saved inputs: the layer, the shared
// per-forward tensors (rotary angles, attention pattern) and the random state
// the forward started from.
struct Recompute : torch::CustomClassHolder {
  Recompute(const DecoderBlock& layer, const ForwardContext& context, const at::Device& device)
      : layer(layer), context(context), random(device), forward_random_state(random.capture()) {}

  at::Tensor run(const at::Tensor& hidden, const at::Tensor& prefix_keys, const at::Tensor& prefix_values) const {
    LayerMemory memory;
    if (prefix_keys.defined()) {
      memory.prefix_keys = &prefix_keys;
      memory.prefix_values = &prefix_values;
    }
    return layer.forward(hidden, context, memory);
  }

  const DecoderBlock& layer;
  ForwardContext context;
  RandomState random;
  std::vector<at::Tensor> forward_random_state;
};

// Sets the generators to the forward's state for the recomputation and back
// afterwards, so checkpointing changes no later draw.
class ReplayedRandomness {
 public:
  explicit ReplayedRandomness(const Recompute& recompute)
      : random_(recompute.random), current_(random_.capture()) {
    random_.restore(recompute.forward_random_state);
  }
  ~ReplayedRandomness() { random_.restore(current_); }
  ReplayedRandomness(const ReplayedRandomness&) = delete;
  ReplayedRandomness& operator=(const ReplayedRandomness&) = delete;

 private:
  const RandomState& random_;
  std::vector<at::Tensor> current_;
};

at::Tensor value_or_undefined(const std::optional<at::Tensor>& tensor) { return tensor ? *tensor : at::Tensor(); }

// A leaf copy of a saved input that collects its gradient when it needs one.
at::Tensor leaf_like(const at::Tensor& saved, bool needs_grad) {
  if (!saved.defined()) return saved;
  at::Tensor leaf = saved.detach();
  return needs_grad ? leaf.requires_grad_(true) : leaf;
}

class CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
 public:
  // Runs without autograd (Function::apply turns it off), so the layer's
  // activations are freed as soon as the layer is done.
  static at::Tensor forward(AutogradContext* ctx, c10::intrusive_ptr<Recompute> recompute, const at::Tensor& hidden,
                            const std::optional<at::Tensor>& prefix_keys,
                            const std::optional<at::Tensor>& prefix_values) {
    const at::Tensor keys = value_or_undefined(prefix_keys);
    const at::Tensor values = value_or_undefined(prefix_values);
    at::Tensor output = recompute->run(hidden, keys, values);
    ctx->save_for_backward({hidden, keys, values});
    ctx->saved_data["needs_grad"] = c10::List<bool>({hidden.requires_grad(), keys.defined() && keys.requires_grad(),
                                                     values.defined() && values.requires_grad()});
    ctx->saved_data["recompute"] = c10::IValue::make_capsule(std::move(recompute));
    return output;
  }

  // The layer again with autograd, then a backward through it from the
  // output's gradient: that accumulates into the trainable tensors the layer
  // captured (which are not inputs of this function) and into leaf copies of
  // the inputs, whose gradients are returned.
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const c10::intrusive_ptr<torch::CustomClassHolder> capsule = ctx->saved_data["recompute"].toCapsule();
    const auto& recompute = static_cast<const Recompute&>(*capsule);
    const c10::List<bool> needs_grad = ctx->saved_data["needs_grad"].toBoolList();
    const variable_list saved = ctx->get_saved_variables();
    variable_list inputs;
    for (std::size_t i = 0; i < saved.size(); ++i) inputs.push_back(leaf_like(saved[i], needs_grad[i]));

    at::Tensor output;
    {
      const at::AutoGradMode grad_mode(true);
      const ReplayedRandomness replay(recompute);
      output = recompute.run(inputs[0], inputs[1], inputs[2]);
    }
    torch::autograd::backward({output}, {grad_outputs[0]});

    variable_list grads{at::Tensor()};  // the Recompute argument has none
    for (const at::Tensor& input : inputs) grads.push_back(input.defined() ? input.grad() : at::Tensor());
    return grads;
  }
};

}  // namespace

at::Tensor checkpointed_layer(const DecoderBlock& layer, const ForwardContext& context, const at::Tensor& hidden,
                              const at::Tensor* prefix_keys, const at::Tensor* prefix_values) {
  // The function joins the autograd graph only if an input requires grad; the
  // embeddings of frozen weights do not, so without this the adapter weights
  // of the first layer would get no gradient (peft's enable_input_require_grads).
  const at::Tensor input = hidden.requires_grad() ? hidden : hidden.detach().requires_grad_(true);
  auto recompute = c10::make_intrusive<Recompute>(layer, context, hidden.device());
  std::optional<at::Tensor> keys, values;
  if (prefix_keys != nullptr) {
    keys = *prefix_keys;
    values = *prefix_values;
  }
  return CheckpointedLayer::apply(std::move(recompute), input, keys, values);
}

}  // namespace tp::decoder
