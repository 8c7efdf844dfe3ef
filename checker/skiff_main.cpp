// The `skiff` command: the command line (main.cpp) with the built-in protocols.
#include "checker/command_line.hpp"

int main(int argc, char** argv) { return skiff::command_line_main(argc, argv, skiff::builtin_protocols()); }
