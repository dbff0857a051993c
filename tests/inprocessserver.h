#pragma once

// A SyncServer in the test's process, on a port the OS picks: what the server tests that talk
// HTTP to it (tst_authorization, tst_httpapi, tst_pairingwaits) start on their TestDatabase.
#include "syncserver.h"

#include <memory>

// Started on `databasePath` (a SQLite file or a postgresql:// URL); null, with `error` saying
// why, when it does not start.
inline std::unique_ptr<SyncServer> startInProcessServer(const QString &databasePath, QString *error)
{
    auto server = std::make_unique<SyncServer>();
    ServerOptions options;
    options.databasePath = databasePath;
    options.port = 0;
    if (!server->start(options, error))
        return nullptr;
    return server;
}
