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

} // namespace Validation
