#pragma once

#include <QString>

#include <optional>
#include <utility>

// Why a call to the local copy failed: the SQLite error, with what was being done.
struct StoreError
{
    QString message;
};

// What a call to the local copy gives back: its value, or the reason it failed. A failure is
// never turned into an empty value on the way up: "no record" and "could not read" stay apart.
template<typename T>
class StoreResult
{
public:
    StoreResult(T value) : m_value(std::move(value)) { } // NOLINT: implicit, as `return value;`
    StoreResult(StoreError error) : m_error(std::move(error.message)) { } // NOLINT: as above

    bool ok() const { return m_value.has_value(); }
    // Only when ok().
    const T &value() const { return *m_value; }
    T valueOr(T fallback) const { return m_value ? *m_value : std::move(fallback); }
    // Empty when ok().
    const QString &error() const { return m_error; }

private:
    std::optional<T> m_value;
    QString m_error;
};

// For calls that give nothing back but may fail.
template<>
class StoreResult<void>
{
public:
    StoreResult() = default;
    StoreResult(StoreError error) : m_ok(false), m_error(std::move(error.message)) { } // NOLINT

    bool ok() const { return m_ok; }
    const QString &error() const { return m_error; }

private:
    bool m_ok = true;
    QString m_error;
};
