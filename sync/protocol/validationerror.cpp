#include "protocol/validationerror.h"

#include <iterator>

namespace Validation {

qsizetype characterCount(const QString &text)
{
    qsizetype count = 0;
    for (auto it = text.cbegin(); it != text.cend(); ++it) {
        if (it->isHighSurrogate() && std::next(it) != text.cend()
            && std::next(it)->isLowSurrogate())
            ++it;
        ++count;
    }
    return count;
}

bool isPresent(const QJsonValue &value)
{
    return !value.isUndefined() && !value.isNull();
}

std::optional<QString> boundedText(const QJsonValue &value, qsizetype maxCharacters)
{
    if (!value.isString() || characterCount(value.toString()) > maxCharacters)
        return std::nullopt;
    return value.toString();
}

QString textRule(qsizetype maxCharacters)
{
    return QStringLiteral("must be a string of at most %1 characters").arg(maxCharacters);
}

} // namespace Validation
