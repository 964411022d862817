#include "tunepipe/conversation.hpp"

namespace tp {

std::string_view to_string(Role role) { return role == Role::User ? "user" : "assistant"; }

}  // namespace tp
