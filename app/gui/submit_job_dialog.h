// SubmitJobDialog: "Submit pipeline…" of the studio: a pipeline file, how many ranks it runs as,
// and how they train together -- the pipeline's own strategy, or one chosen here (all-reduce, a
// parameter server with its mode, servers and staleness bound, pipeline stages with their
// micro-batches; README, Distributed training) -- and the job's priority. A refused job keeps the
// dialog open with the reason under the fields.
//
//     Pipeline:  [/home/me/fashion.json        ] [Browse…]
//     Ranks:     [2 ]        Priority: [0 ]
//     Strategy:  [Parameter server        v]
//     Mode:      [Bounded staleness (SSP) v]  Staleness bound: [2 ]  Servers: [1 ]
//     Micro-batches: [4 ]
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include <QDialog>
#include <QJsonObject>

#include <functional>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
QT_END_NAMESPACE

namespace ts::gui {

// What the dialog asks for; `strategy` is empty to keep the pipeline's own, else the train
// stage's "strategy" object to run with instead.
struct JobRequest
{
    QString path;
    int ranks = 1;
    int priority = 0;
    QJsonObject strategy;
};

class SubmitJobDialog final : public QDialog
{
    Q_OBJECT

public:
    enum Strategy { FromPipeline, AllReduce, ParameterServer, PipelineStages };
    enum Mode { Sync, Async, BoundedStaleness };

    // `submit` queues the job and returns the error text, or an empty string on success.
    using SubmitFunction = std::function<QString(const JobRequest&)>;
    explicit SubmitJobDialog(SubmitFunction submit, QWidget* parent = nullptr);

    // The fields, for the tests (and a caller that knows the file already).
    void setPath(const QString& path);
    void setRanks(int ranks);
    void setStrategy(Strategy strategy, Mode mode = Sync, int staleness = 2, int servers = 1,
                     int microBatches = 4);
    JobRequest request() const;
    QString errorText() const;

public slots:
    // Queues the job; closes the dialog when it was queued.
    void accept() override;

private:
    void browse();
    void updateFields();

    SubmitFunction m_submit;
    QLineEdit* m_path = nullptr;
    QSpinBox* m_ranks = nullptr;
    QSpinBox* m_priority = nullptr;
    QComboBox* m_strategy = nullptr;
    QComboBox* m_mode = nullptr;
    QSpinBox* m_staleness = nullptr;
    QSpinBox* m_servers = nullptr;
    QSpinBox* m_microBatches = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace ts::gui
