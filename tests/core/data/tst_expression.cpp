// Tests of the derived-column expression language: precedence and associativity, functions, the
// NaN policy, every parse and bind error with its exact column, deriveColumn() on a small table,
// and a fuzz loop that feeds random token soup to the parser.
#include "data/expression.h"

#include <QtTest/QTest>

#include <cmath>
#include <optional>
#include <random>

using namespace ts;
using common::ErrorKind;
using data::EvalProblem;

Q_DECLARE_METATYPE(ts::data::EvalProblem)

namespace {

// The table every evaluation row reads: one row of named values.
const std::vector<std::string> kNames = { "a", "b", "zero", "neg", "my col", "log", "missing" };
const float kRow[] = { 2, 3, 0, -4, 5, 10, std::nanf("") };

data::Expression boundOrFail(const std::string& text)
{
    auto parsed = data::parseDefinition(text);
    if (!parsed)
        qFatal("parse failed: %s", parsed.error().message().c_str());
    if (auto bound = parsed->bind(kNames); !bound)
        qFatal("bind failed: %s", bound.error().message().c_str());
    return std::move(parsed).value();
}

data::Dataset table(std::vector<std::string> names, std::vector<float> features)
{
    data::Dataset d;
    d.cols = int64_t(names.size());
    d.rows = int64_t(features.size()) / d.cols;
    d.columnNames = std::move(names);
    d.features = std::move(features);
    d.labels.assign(size_t(d.rows), 0);
    d.classCount = 1;
    return d;
}

} // namespace

class TestExpression final : public QObject
{
    Q_OBJECT

private slots:
    void evaluates_data()
    {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<double>("expected");

        QTest::newRow("* binds tighter than +") << "y = 1+2*3" << 7.0;
        QTest::newRow("^ is right-associative") << "y = 2^3^2" << 512.0;
        QTest::newRow("^ binds tighter than unary -") << "y = -2^2" << -4.0;
        QTest::newRow("parentheses group") << "y = (1+2)*3" << 9.0;
        QTest::newRow("parenthesised negative base") << "y = (-2)^2" << 4.0;
        QTest::newRow("negative exponent") << "y = 2^-1" << 0.5;
        QTest::newRow("- is left-associative") << "y = 10-4-3" << 3.0;
        QTest::newRow("/ is left-associative") << "y = 8/4/2" << 1.0;
        QTest::newRow("double negation") << "y = --3" << 3.0;
        QTest::newRow("comparisons chain left to right") << "y = 1<2==1" << 1.0;
        QTest::newRow("+ binds tighter than <") << "y = 1 + 2 < 4" << 1.0;
        QTest::newRow("not binds looser than ==") << "y = not 1 == 0" << 1.0;
        QTest::newRow("not binds tighter than and") << "y = not 0 and 1" << 1.0;
        QTest::newRow("and binds tighter than or") << "y = 1 or 0 and 0" << 1.0;
        QTest::newRow(">= is inclusive") << "y = 3 >= 3" << 1.0;
        QTest::newRow("> is strict") << "y = 3 > 3" << 0.0;
        QTest::newRow("<= false") << "y = 2 <= 1" << 0.0;
        QTest::newRow("!= false") << "y = 2 != 2" << 0.0;
        QTest::newRow("truthy is non-zero") << "y = -3 and 0.5" << 1.0;
        QTest::newRow("numbers with exponent") << "y = 1e-3 * 1000" << 1.0;
        QTest::newRow("number with leading dot") << "y = .5 + 2.5" << 3.0;
        QTest::newRow("columns") << "y = a * b" << 6.0;
        QTest::newRow("column to a column power") << "y = a^b" << 8.0;
        QTest::newRow("log inverts exp") << "y = log(exp(2))" << 2.0;
        QTest::newRow("sqrt") << "y = sqrt(16)" << 4.0;
        QTest::newRow("abs") << "y = abs(neg)" << 4.0;
        QTest::newRow("min of many") << "y = min(a, b, neg)" << -4.0;
        QTest::newRow("max of one") << "y = max(a)" << 2.0;
        QTest::newRow("max of many") << "y = max(1, 2, 3)" << 3.0;
        QTest::newRow("if picks the second argument when true") << "y = if(a < b, a, b)" << 2.0;
        QTest::newRow("if picks the third argument when false") << "y = if(a > b, a, b)" << 3.0;
        QTest::newRow("if never evaluates the branch not taken") << "y = if(0, 1/0, 7)" << 7.0;
        QTest::newRow("if guards a division") << "y = if(zero != 0, a / zero, -1)" << -1.0;
        QTest::newRow("and short-circuits") << "y = 0 and 1/0" << 0.0;
        QTest::newRow("or short-circuits") << "y = 1 or log(neg)" << 1.0;
        QTest::newRow("backquoted name with a space") << "y = `my col` * 2" << 10.0;
        QTest::newRow("backquoted plain name") << "y = `a` + 1" << 3.0;
        QTest::newRow("function name without '(' is a column") << "y = log + 1" << 11.0;
        QTest::newRow("backquoted definition name") << "`new col` = a" << 2.0;
    }
    void evaluates()
    {
        QFETCH(QString, definition);
        QFETCH(double, expected);
        const data::Expression expression = boundOrFail(definition.toStdString());
        QCOMPARE(expression.evaluate(kRow), expected);
    }

    void nanHasACause_data()
    {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<EvalProblem>("problem");

        QTest::newRow("division by zero") << "y = a / zero" << EvalProblem::DivisionByZero;
        QTest::newRow("zero by zero") << "y = zero / zero" << EvalProblem::DivisionByZero;
        QTest::newRow("zero to a negative power") << "y = 0 ^ -1" << EvalProblem::DivisionByZero;
        QTest::newRow("log of zero") << "y = log(zero)" << EvalProblem::LogOfNonPositive;
        QTest::newRow("sqrt of a negative") << "y = sqrt(neg)" << EvalProblem::SqrtOfNegative;
        QTest::newRow("fractional power of a negative")
                << "y = neg ^ 0.5" << EvalProblem::InvalidPower;
        QTest::newRow("NaN input") << "y = missing + 1" << EvalProblem::NanInput;
        QTest::newRow("NaN survives a comparison")
                << "y = (a / zero) < 1" << EvalProblem::DivisionByZero;
        QTest::newRow("NaN survives min") << "y = min(a / zero, 3)" << EvalProblem::DivisionByZero;
        QTest::newRow("NaN survives ^ 0") << "y = (a / zero) ^ 0" << EvalProblem::DivisionByZero;
        QTest::newRow("NaN condition of if")
                << "y = if(log(neg), 1, 2)" << EvalProblem::LogOfNonPositive;
        QTest::newRow("the first cause wins")
                << "y = sqrt(neg) + a / zero" << EvalProblem::SqrtOfNegative;
        QTest::newRow("inf minus inf")
                << "y = exp(1000) - exp(1000)" << EvalProblem::InvalidArithmetic;
    }
    void nanHasACause()
    {
        QFETCH(QString, definition);
        QFETCH(EvalProblem, problem);
        const data::Expression expression = boundOrFail(definition.toStdString());
        EvalProblem found = EvalProblem::None;
        QVERIFY(std::isnan(expression.evaluate(kRow, found)));
        QCOMPARE(data::toString(found), data::toString(problem));
    }

    void reportsErrors_data()
    {
        QTest::addColumn<QString>("definition");
        QTest::addColumn<QString>("message"); // after "<definition>: "

        QTest::newRow("unclosed parenthesis") << "bmi = weight / (height / 100 ^ 2"
                                              << "column 16: unclosed '('";
        QTest::newRow("misspelt column")
                << "bmi = wieght / (height / 100) ^ 2"
                << "column 7: unknown column 'wieght' (did you mean 'weight'?)";
        QTest::newRow("unknown column without a near miss")
                << "y = foo"
                << "column 5: unknown column 'foo'; columns are: weight, height, a, b";
        QTest::newRow("unknown function")
                << "ratio = 10*lg(a)"
                << "column 12: unknown function 'lg'; expected one of: log, exp, sqrt, abs, min, "
                   "max, if";
        QTest::newRow("if() with too few arguments") << "y = if(a > b, a)"
                                                     << "column 5: if() takes 3 arguments, got 2";
        QTest::newRow("log() with two arguments") << "y = log(a, b)"
                                                  << "column 5: log() takes 1 argument, got 2";
        QTest::newRow("min() without arguments")
                << "y = min()"
                << "column 5: min() takes at least 1 argument, got 0";
        QTest::newRow("unclosed call") << "y = log(a"
                                       << "column 8: unclosed '('";
        QTest::newRow("missing ',' in a call")
                << "y = max(a b)"
                << "column 11: expected ')' or an operator, found 'b'";
        QTest::newRow("no name") << "= a + b"
                                 << "column 1: expected a name before '='";
        QTest::newRow("number as name") << "3 = a"
                                        << "column 1: expected a name before '='";
        QTest::newRow("keyword as name") << "and = a"
                                         << "column 1: expected a name before '='";
        QTest::newRow("no '='") << "y a + b"
                                << "column 3: expected '=' after the name 'y'";
        QTest::newRow("empty definition")
                << ""
                << "column 1: empty definition; expected 'name = expression'";
        QTest::newRow("empty expression") << "y = "
                                          << "column 5: empty expression after '='";
        QTest::newRow("empty expression at the end") << "y ="
                                                     << "column 4: empty expression after '='";
        QTest::newRow("trailing garbage") << "y = a b"
                                          << "column 7: unexpected 'b' after a complete expression";
        QTest::newRow("unmatched ')'") << "y = a + b)"
                                       << "column 10: unmatched ')'";
        QTest::newRow("'=' for '=='") << "y = a = b"
                                      << "column 7: unexpected '='; write '==' to compare";
        QTest::newRow("dangling operator") << "y = a +"
                                           << "column 8: expected a value after '+'";
        QTest::newRow("operator without left side") << "y = * a"
                                                    << "column 5: expected a value, found '*'";
        QTest::newRow("unclosed backquote") << "y = `open + 1"
                                            << "column 5: unclosed '`'";
        QTest::newRow("empty backquotes") << "y = `` + 1"
                                          << "column 5: empty column name ``";
        QTest::newRow("unknown character") << "y = a # b"
                                           << "column 7: unexpected character '#'";
        QTest::newRow("'!' alone") << "y = a ! b"
                                   << "column 7: unexpected '!'; write 'not' or '!='";
        QTest::newRow("number glued to a name") << "y = 2x"
                                                << "column 5: malformed number '2x'";
        QTest::newRow("number out of range") << "y = 1e999"
                                             << "column 5: number out of range";
    }
    void reportsErrors()
    {
        QFETCH(QString, definition);
        QFETCH(QString, message);
        const std::string text = definition.toStdString();
        auto parsed = data::parseDefinition(text);
        std::optional<common::Error> error;
        if (!parsed)
            error = parsed.error();
        else if (auto bound = parsed->bind({ "weight", "height", "a", "b" }); !bound)
            error = bound.error();
        QVERIFY2(error.has_value(), "expected an error");
        QCOMPARE(error->kind(), ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(error->message()), definition + ": " + message);
    }

    void limitsNesting()
    {
        const auto nested = [](int depth) {
            return "y = " + std::string(size_t(depth), '(') + "1" + std::string(size_t(depth), ')');
        };
        auto fine = data::parseDefinition(nested(100));
        QVERIFY(fine.ok());
        auto deep = data::parseDefinition(nested(100000));
        QVERIFY(!deep.ok());
        QVERIFY(deep.error().message().ends_with("expression nested too deeply"));
        QVERIFY(!data::parseDefinition("y = " + std::string(100000, '-') + "1").ok());
        QVERIFY(!data::parseDefinition("y = " +
                                       [] {
                                           std::string nots;
                                           for (int i = 0; i < 50000; ++i)
                                               nots += "not ";
                                           return nots;
                                       }()
                                       + "1")
                         .ok());
    }

    void derivesBmi()
    {
        auto data = table({ "weight", "height" }, { 70, 175, 80, 180, 50, 160 });
        data.sampleShape = { 2 };
        auto bmi = data::parseDefinition("bmi = weight / (height / 100) ^ 2");
        QVERIFY(bmi.ok());
        QCOMPARE(bmi->name(), std::string("bmi"));
        auto report = data::deriveColumn(data, *bmi);
        QVERIFY2(report.ok(), report.ok() ? "" : report.error().message().c_str());
        QCOMPARE(report->column, std::string("bmi"));
        QCOMPARE(report->nanRows, int64_t(0));
        QCOMPARE(report->firstNanRow, int64_t(-1));
        QVERIFY(report->summary().empty());

        QCOMPARE(data.cols, int64_t(3));
        QCOMPARE(data.rows, int64_t(3));
        QCOMPARE(data.columnNames, (std::vector<std::string> { "weight", "height", "bmi" }));
        QCOMPARE(data.sampleShape, (std::vector<int64_t> { 3 }));
        QCOMPARE(data.features.size(), size_t(9));
        // By hand: 70 / 1.75^2, 80 / 1.8^2, 50 / 1.6^2; the inputs stay where they were.
        const float expected[] = { 70, 175, 22.857143f, 80, 180, 24.691358f, 50, 160, 19.53125f };
        for (size_t i = 0; i < 9; ++i)
            QVERIFY2(std::fabs(data.features[i] - expected[i]) < 1e-4f,
                     qPrintable(QString::number(i)));
        QCOMPARE(data.labels.size(), size_t(3));
    }

    void countsNanRows()
    {
        auto data = table({ "x", "y" }, { 1, 1, 2, 0, 3, 3, 4, 0, 5, 5 });
        auto ratio = data::parseDefinition("ratio = x / y");
        QVERIFY(ratio.ok());
        auto report = data::deriveColumn(data, *ratio);
        QVERIFY(report.ok());
        QCOMPARE(report->nanRows, int64_t(2));
        QCOMPARE(report->firstNanRow, int64_t(1));
        QCOMPARE(data::toString(report->firstProblem), data::toString(EvalProblem::DivisionByZero));
        QCOMPARE(report->summary(),
                 std::string("ratio: 2 rows gave NaN (first: row 2, division by zero)"));
        QVERIFY(std::isnan(data.features[1 * 3 + 2]));
        QCOMPARE(data.features[2 * 3 + 2], 1.0f);
        QVERIFY(data.sampleShape.empty());
    }

    void refusesBadTargets()
    {
        auto data = table({ "x", "y" }, { 1, 2 });
        auto sameName = data::parseDefinition("x = y * 2");
        QVERIFY(sameName.ok());
        auto exists = data::deriveColumn(data, *sameName);
        QVERIFY(!exists.ok());
        QCOMPARE(exists.error().message(),
                 std::string("x = y * 2: column 'x' already exists; pick another name"));

        auto unknown = data::parseDefinition("z = w * 2");
        QVERIFY(unknown.ok());
        QVERIFY(!data::deriveColumn(data, *unknown).ok());
        QCOMPARE(data.cols, int64_t(2)); // a failed derive leaves the table alone
        QCOMPARE(data.features.size(), size_t(2));

        data::Dataset images;
        images.rows = 1;
        images.cols = 2;
        images.features = { 0, 1 };
        auto fromImages = data::deriveColumn(images, *unknown);
        QVERIFY(!fromImages.ok());
        QCOMPARE(fromImages.error().kind(), ErrorKind::InvalidInput);
    }

    // Random token soup must give an Error or an Expression, never a crash or a hang.
    void survivesRandomInput()
    {
        static const char* kTokens[] = {
            "a", "b", "`c d`", "1",  "2.5", "1e-3", "+",   "-",  "*",   "/",   "^",    "(",
            ")", ",", "<",     "<=", "==",  "!=",   "and", "or", "not", "log", "min",  "if",
            "=", "y", " ",     "`",  "!",   "#",    "lg",  ".",  "e",   "0",   "sqrt", "max"
        };
        std::mt19937 random(20240611);
        std::uniform_int_distribution<size_t> pick(0, std::size(kTokens) - 1);
        std::uniform_int_distribution<int> length(0, 24);
        const std::vector<std::string> names = { "a", "b", "c d" };
        const float row[] = { 1.5f, 0, -2 };
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 10000; ++i) {
            std::string text = i % 2 ? "y = " : "";
            for (int n = length(random); n > 0; --n)
                text += std::string(kTokens[pick(random)]) + (random() % 2 ? " " : "");
            auto expression = data::parseDefinition(text);
            if (!expression) {
                ++rejected;
                QCOMPARE(expression.error().kind(), ErrorKind::InvalidInput);
                QVERIFY2(expression.error().message().find(": column ") != std::string::npos,
                         text.c_str());
                continue;
            }
            ++parsed;
            if (expression->bind(names).ok())
                (void)expression->evaluate(row);
        }
        QVERIFY(parsed > 0);
        QVERIFY(rejected > 0);
    }
};

QTEST_APPLESS_MAIN(TestExpression)
#include "tst_expression.moc"
