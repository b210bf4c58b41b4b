// trainstudio: the desktop studio. Shows the runs of an experiment store and their charts, and
// runs the store's job queue on agents (a coordinator embedded in the window).
//
//     trainstudio [--store PATH] [--run ID] [--grab FILE] [--no-coordinator] [--local-agents N]
//
// --grab saves a screenshot of the window once it is shown and its data loaded, then exits: with
// QT_QPA_PLATFORM=offscreen it needs no display.

#include "constants.h"
#include "main_window.h"
#include "tr.h"

#include "common/paths.h"           // for version()
#include "store/experiment_store.h" // for defaultPath()

#include <QApplication>
#include <QCommandLineParser>
#include <QLibraryInfo>
#include <QLocale>
#include <QPixmap>
#include <QTimer>
#include <QTranslator>

#include <cstdio>

namespace {

using ts::gui::Tr;

void printError(const QString& text)
{
    std::fprintf(stderr, "trainstudio: %s\n", qPrintable(text));
}

// Qt's own strings (e.g. in --help) and ours, for the user's language when we have it.
void installTranslators(QApplication& app)
{
    auto qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(QLocale::system(), QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qtTranslator);
    // English is the fallback: it holds the plural forms of the English source strings.
    auto translator = new QTranslator(&app);
    for (const QLocale& locale : { QLocale::system(), QLocale(QLocale::English) }) {
        if (translator->load(locale, QLatin1String(ts::gui::Constants::TranslationsPrefix),
                             QStringLiteral("_"),
                             QLatin1String(ts::gui::Constants::TranslationsPath))) {
            QCoreApplication::installTranslator(translator);
            break;
        }
    }
}

// Saves the window's image to `file` once the event loop has laid out and painted it.
void grabLater(QWidget* window, const QString& file)
{
    QTimer::singleShot(ts::gui::Constants::GrabDelayMs, window, [window, file] {
        if (!window->grab().save(file)) {
            printError(Tr::tr("Cannot save the screenshot to \"%1\": check that the folder exists "
                              "and is writable and that the name ends in .png or .jpg.")
                               .arg(file));
            QCoreApplication::exit(1);
            return;
        }
        QCoreApplication::exit(0);
    });
}

} // namespace

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("trainstudio"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(ts::common::version()));
    installTranslators(app);

    QCommandLineParser parser;
    parser.setApplicationDescription(
            Tr::tr("TrainStudio: browse training runs and compare their metrics."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption storeOption(
            QStringLiteral("store"), Tr::tr("Open the experiment store at <path>."), Tr::tr("path"),
            QString::fromStdString(ts::store::ExperimentStore::defaultPath()));
    const QCommandLineOption runOption(QStringLiteral("run"),
                                       Tr::tr("Select the run <id> at start."), Tr::tr("id"));
    const QCommandLineOption grabOption(
            QStringLiteral("grab"),
            Tr::tr("Save a screenshot of the window to <file> once the data is loaded, then exit."),
            Tr::tr("file"));
    const QCommandLineOption noCoordinatorOption(
            QStringLiteral("no-coordinator"),
            Tr::tr("Do not run a coordinator for the store's jobs (another process serves them)."));
    const QCommandLineOption localAgentsOption(
            QStringLiteral("local-agents"),
            Tr::tr("Start <n> local agents (default: 1 when the store lists no agents, else 0)."),
            Tr::tr("n"));
    parser.addOptions(
            { storeOption, runOption, grabOption, noCoordinatorOption, localAgentsOption });
    parser.process(app);

    qint64 runId = -1;
    if (parser.isSet(runOption)) {
        bool ok = false;
        runId = parser.value(runOption).toLongLong(&ok);
        if (!ok || runId <= 0) {
            printError(Tr::tr("--run expects a run ID (a positive number), not \"%1\".")
                               .arg(parser.value(runOption)));
            return 2;
        }
    }

    int localAgents = -1;
    if (parser.isSet(localAgentsOption)) {
        bool ok = false;
        localAgents = parser.value(localAgentsOption).toInt(&ok);
        if (!ok || localAgents < 0 || localAgents > 64) {
            printError(Tr::tr("--local-agents expects a number from 0 to 64, not \"%1\".")
                               .arg(parser.value(localAgentsOption)));
            return 2;
        }
    }

    ts::gui::MainWindow window(parser.value(storeOption));
    if (!parser.isSet(noCoordinatorOption) && !parser.isSet(grabOption))
        window.startCoordinator(localAgents);
    window.show();
    if (runId > 0 && !window.selectRun(runId))
        printError(Tr::tr("The store has no run %1; showing all runs.").arg(runId));
    if (parser.isSet(grabOption))
        grabLater(&window, parser.value(grabOption));
    return app.exec();
}
