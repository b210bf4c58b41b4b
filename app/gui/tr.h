// Tr: the one translation context of the studio, as Qt Creator's plugins declare theirs.
//
// Every user-visible string of app/gui goes through Tr::tr(...), so lupdate files them all under
// the context "TrainStudio" in translations/trainstudio_<lang>.ts.
#pragma once

#include <QCoreApplication> // for Q_DECLARE_TR_FUNCTIONS

namespace ts::gui {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(TrainStudio)
};

} // namespace ts::gui
