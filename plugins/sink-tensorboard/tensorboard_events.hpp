#pragma once
// The Event messages a TensorBoard event file holds (tensorboard/compat/proto:
// event.proto, summary.proto, tensor.proto, tensor_shape.proto), serialized
// with their fields in field-number order, as protobuf's own serializers do.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// A relative path: tests/unit includes this header without the plugin's include directories.
#include "../sink-common/protobuf_wire.hpp"

namespace tp::sinks::tensorboard {

namespace field {
// Event
constexpr std::uint32_t wall_time = 1, step = 2, file_version = 3, summary = 5, session_log = 7;
// SessionLog
constexpr std::uint32_t session_status = 1;
constexpr std::uint64_t session_start = 1;
// Summary
constexpr std::uint32_t summary_value = 1;
// Summary.Value
constexpr std::uint32_t tag = 1, simple_value = 2, tensor = 8, metadata = 9;
// SummaryMetadata, SummaryMetadata.PluginData
constexpr std::uint32_t plugin_data = 1, plugin_name = 1;
// TensorProto
constexpr std::uint32_t dtype = 1, tensor_shape = 2, string_val = 8;
constexpr std::uint64_t dt_string = 7;
// TensorShapeProto, TensorShapeProto.Dim
constexpr std::uint32_t shape_dim = 2, dim_size = 1;
}  // namespace field

inline protobuf::Writer event(double wall_time, std::int64_t step) {
  protobuf::Writer writer;
  writer.double_value(field::wall_time, wall_time);
  if (step != 0) writer.varint(field::step, static_cast<std::uint64_t>(step));
  return writer;
}

inline std::string with_summary_value(double wall_time, std::int64_t step, const protobuf::Writer& value) {
  return event(wall_time, step).message(field::summary, protobuf::Writer().message(field::summary_value, value)).data();
}

// The first record of every event file.
inline std::string file_version_event(double wall_time) {
  return event(wall_time, 0).bytes(field::file_version, "brain.Event:2").data();
}

// A run starts (again) at `step`: TensorBoard drops what an earlier attempt
// logged from this step on, so a resumed run's steps are not shown twice.
inline std::string session_start_event(double wall_time, std::int64_t step) {
  return event(wall_time, step)
      .message(field::session_log, protobuf::Writer().varint(field::session_status, field::session_start))
      .data();
}

inline std::string scalar_event(double wall_time, std::int64_t step, std::string_view tag, float value) {
  return with_summary_value(wall_time, step,
                            protobuf::Writer().bytes(field::tag, tag).float_value(field::simple_value, value));
}

// A string tensor for TensorBoard's text plugin, which shows a 0-d tensor as
// (Markdown) text and a 2-d one as a table. `cells` are in row-major order.
inline std::string text_event(double wall_time, std::int64_t step, std::string_view tag,
                              const std::vector<std::string>& cells, const std::vector<std::int64_t>& shape) {
  protobuf::Writer dims;
  for (const std::int64_t size : shape)
    dims.message(field::shape_dim, protobuf::Writer().varint(field::dim_size, static_cast<std::uint64_t>(size)));
  protobuf::Writer tensor;
  tensor.varint(field::dtype, field::dt_string).message(field::tensor_shape, dims);
  for (const std::string& cell : cells) tensor.bytes(field::string_val, cell);
  const protobuf::Writer metadata =
      protobuf::Writer().message(field::plugin_data, protobuf::Writer().bytes(field::plugin_name, "text"));
  return with_summary_value(
      wall_time, step,
      protobuf::Writer().bytes(field::tag, tag).message(field::tensor, tensor).message(field::metadata, metadata));
}

}  // namespace tp::sinks::tensorboard
