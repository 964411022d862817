#pragma once
// Room on the disk of the output folder. A run that fills its disk must stop
// while one more checkpoint still fits, not train to its end and then fail to
// save anything.
#include <cstdint>
#include <filesystem>
#include <string>

namespace tp::training {

// Bytes an unprivileged writer may still use on the file system holding `dir`.
std::uintmax_t available_bytes(const std::filesystem::path& dir);
// Bytes of every file under `dir`.
std::uintmax_t folder_bytes(const std::filesystem::path& dir);
// "12.3 MiB"
std::string mebibytes(std::uintmax_t bytes);

}  // namespace tp::training
