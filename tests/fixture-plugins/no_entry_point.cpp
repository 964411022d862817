// A shared library named like a plugin that is not one.
extern "C" int tunepipe_fixture_not_a_plugin() { return 0; }
