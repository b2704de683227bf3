package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/observerkz/observer/internal/intake"
	"github.com/observerkz/observer/internal/report"
	"github.com/observerkz/observer/internal/results"
	"github.com/observerkz/observer/internal/storage"
	"github.com/observerkz/observer/web/i18n"
)

// The catalogue test in web/i18n checks that each key it has is in all three
// languages; these check the other side: every key the code asks for is in it.
// A key missing shows itself on the page (or, for field errors, the English
// message), so it would reach Russian and Kazakh readers as English or as a code.

// catalogueKeyLiteral is a string literal shaped like a catalogue key.
var catalogueKeyLiteral = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]*[a-z0-9])+)"`)

// dynamicKeyPrefix is a key built in code: "prefix." + something.
var dynamicKeyPrefix = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*[._])"\s*\+`)

// catalogueAreas are the first parts of the catalogue's keys ("nav", "recording" …).
func catalogueAreas(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, k := range catalogueKeys(t) {
		out[strings.SplitN(k, ".", 2)[0]] = true
	}
	return out
}

// catalogueKeys are the English catalogue's keys (the i18n tests keep the other
// languages equal to it).
func catalogueKeys(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(i18n.Files(), "*.en.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no English message files: %v", err)
	}
	var keys []string
	for _, n := range names {
		b, err := fs.ReadFile(i18n.Files(), n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^  "([^"]+)":`).FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	return keys
}

// pageSources are the files that put text on pages, PDFs, SMS and Telegram
// replies and alerts: the templates and Go code here, and the packages of
// internal/ that translate (storage, replication and the demo do not).
func pageSources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(path string) {
		if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") {
			return
		}
		if !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".templ") {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[path] = string(b)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			add(e.Name())
		}
	}
	for _, dir := range []string{"alert", "intake", "pdf", "report", "results", "tgbot"} {
		root := filepath.Join("..", "internal", dir)
		if _, err := os.Stat(root); err != nil {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				add(p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d source files found: is the test running in web/?", len(out))
	}
	return out
}

// Every literal key in the code is in the catalogue. A label base such as
// "checklists.field.text" counts when its "_en", "_ru" and "_kk" forms are there.
func TestCatalogueHasEveryLiteralKey(t *testing.T) {
	areas := catalogueAreas(t)
	var missing []string
	for path, src := range pageSources(t) {
		for _, m := range catalogueKeyLiteral.FindAllStringSubmatch(src, -1) {
			k := m[1]
			if !areas[strings.SplitN(k, ".", 2)[0]] || i18n.Has(k) {
				continue
			}
			if i18n.Has(k+"_en") && i18n.Has(k+"_ru") && i18n.Has(k+"_kk") {
				continue
			}
			missing = append(missing, path+": "+k)
		}
	}
	sort.Strings(missing)
	for _, s := range missing {
		t.Errorf("not in the catalogue: %s", s)
	}
}

// dynamicKeys are the keys built in code, by prefix, with every value the code can
// append. nil means another test checks the prefix's keys (named in the comment).
func dynamicKeys() map[string][]string {
	strs := func(xs ...string) []string { return xs }
	phases := func(extra ...string) []string {
		var out []string
		for _, p := range report.Phases {
			out = append(out, string(p))
		}
		return append(out, extra...)
	}
	fileStatuses := []string{string(report.FileOK), string(report.FileMismatch), string(report.FileNameMismatch),
		string(report.FileMissing), string(report.FileExtra), string(report.FileUnsafe), string(report.FileUnreadable),
		string(report.FileTooLarge), string(report.FileBomb), string(report.FileOverBudget), string(report.FileOverrun)}
	var alertErrors []string
	for _, e := range report.ValidateAlertSubscription(report.AlertSubscription{
		Categories: append(make([]string, 201), "x"), ByEmail: true, Email: "not an address",
	}, func(c string) bool { return c == "" }) {
		alertErrors = append(alertErrors, e.Code)
	}
	return map[string][]string{
		"admin.import_failed_": strs("stations", "observers"),
		"admin.imported_":      strs("stations", "observers"),
		"alerts.channel.":      strs(report.ChannelEmail, report.ChannelTelegram),
		"alerts.error.":        alertErrors,
		"auth.password_": strs(report.PasswordShort, report.PasswordCommon, report.PasswordRepeated,
			report.PasswordKeyboard, "mismatch"),
		"checklists.error.": strs(report.CodeBadCustomCode, report.CodeCodeTaken, report.CodeBadProblem,
			report.CodeUnknownParent, report.CodeNestedFollowUp, report.CodeBadTrigger, report.CodeTriggerNoParent,
			report.CodeControlCharacters, report.CodeReservedCode, report.CodeRequired, report.CodeTooLong,
			report.CodeUnknownPhase, "unknown_category", "keep_other"),
		"checklists.field.": strs("code", "phase", "problem", "parent", "trigger", "text_en", "text_ru", "text_kk",
			"name_en", "name_ru", "name_kk", "definition_en", "definition_ru", "definition_kk"),
		"coverage.channel.":     strs(storage.ChannelWeb, storage.ChannelSMS, storage.ChannelTelegram),
		"dashboard.by.":         strs(report.LevelRegion, report.LevelDistrict, report.LevelStation),
		"dashboard.coverage.":   phases(),
		"export.verify.status.": fileStatuses,
		"inbox.status.":         strs(intake.Unparsed, intake.UnknownSender),
		"intake.ok.": strs(string(intake.KindCheckIn), string(intake.KindCheckOut), string(intake.KindObservation),
			string(intake.KindIncidents), "seen", "reported"),
		"intake.refused.":   nil, // internal/intake TestRefusalsFitTwoSegmentsAndNameTheToken: every reason
		"pack.verify.file.": fileStatuses[1:],
		"pack.verify.problem.": strs(report.ProblemSumsMissing, report.ProblemSumsLine, report.ProblemSumsTwice,
			report.ProblemSumsSelf, report.ProblemKeyMissing, report.ProblemKeyBad, report.ProblemSigMissing,
			report.ProblemSigSize, report.ProblemSigMismatch, report.ProblemAuditMissing, report.ProblemAuditJSON,
			report.ProblemAuditEdited, report.ProblemAuditOrder, report.ProblemAuditLink),
		"recording.error.": strs(report.CodeRequired, report.CodeTooLong, report.CodeBadValue, report.CodeUnknownField,
			report.CodeBadJSON, report.CodeUnknownPhase, report.CodeUnknownQuestion, report.CodeBadAnswer,
			report.CodeFollowUp, report.CodeBadTime, report.CodeLeftBefore, report.CodeInFuture, report.CodeNegative,
			report.CodeTooLarge, report.CodeNotCounting, report.CodeBadVoteCode, report.CodeBadAssessment,
			report.CodeUnknownCategory, report.CodeRetiredCategory, report.CodeDescribeOther, report.CodeUnknownStation,
			report.CodeUnknownObserver, report.CodeUnknownObs, report.CodeOtherStation, report.CodeBadClientID,
			report.CodeDuplicate, report.CodeBadState, report.CodeConflict),
		// The fields report's validation names (errorText shows the code of any other).
		"recording.field.": strs("arrived_at", "left_at", "assessment", "category", "client_id", "description",
			"notes", "occurred_at", "phase", "protocol", "state", "station", "witnessed", "observer",
			"observation_id", "evidence", "line"),
		"recording.state.":     strs(string(report.StateDraft), string(report.StateSubmitted)),
		"results.fig_":         strs(results.FigIssued, results.FigFound, "ballots_valid", "votes"),
		"review.flash.status_": strs(string(report.StatusVerified), string(report.StatusRejected)),
		"stats.negative.":      phases(),
		"stats.fraction.":      nil, // internal/report's phrase tests: every band
		// web/i18n TestCatalogueCoversDomain: the election's vocabulary.
		"answer.": nil, "assessment.": nil, "category.": nil, "check.": nil, "figure.": nil, "lang.": nil,
		"phase.": nil, "question.": nil, "role.": nil, "status.": nil, "witnessed.": nil,
		"offline.": nil, // a message file's name (offline.<lang>.json), not a key
	}
}

// Every key built in code has its text in the catalogue, for every value the code
// can append; and a new way of building keys is listed here, so that someone
// checks its values.
func TestCatalogueHasEveryDynamicKey(t *testing.T) {
	areas := catalogueAreas(t)
	families := dynamicKeys()
	seen := map[string][]string{}
	for path, src := range pageSources(t) {
		for _, m := range dynamicKeyPrefix.FindAllStringSubmatch(src, -1) {
			p := m[1]
			if areas[strings.TrimRight(strings.SplitN(p, ".", 2)[0], "_")] {
				seen[p] = append(seen[p], path)
			}
		}
	}
	for p, paths := range seen {
		if _, ok := families[p]; !ok {
			t.Errorf("%v build keys %q + …: list the values in dynamicKeys", paths, p)
		}
	}
	for p, values := range families {
		if values == nil {
			continue
		}
		if len(values) == 0 {
			t.Errorf("%q: no values", p)
		}
		for _, v := range values {
			if !i18n.Has(p + v) {
				t.Errorf("the catalogue lacks %q", p+v)
			}
		}
	}
}
