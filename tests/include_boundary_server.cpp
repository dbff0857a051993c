// Compiled by the include_boundary_server test with the server's include paths only: it must fail
// with "client/syncclient.h: No such file or directory" (see tests/CMakeLists.txt).
#include "client/syncclient.h"
#include "protocol/progressrecord.h"
