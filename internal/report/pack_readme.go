package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// scopeLines describe a pack's scope for people: label and value pairs, in the
// pack's language.
func scopeLines(opt PackOptions) [][2]string {
	tr, f := opt.Tr, opt.Scope.Filter
	var out [][2]string
	add := func(key, v string) { out = append(out, [2]string{tr.T(key), v}) }
	add("pack.scope.election", strings.TrimSpace(opt.Election.Name+" ("+opt.Election.Code+")"))
	join := func(code, name string) string {
		if name == "" || name == code {
			return code
		}
		if code == "" {
			return name
		}
		return code + " " + name
	}
	if opt.Scope.RegionCode != "" || opt.Scope.RegionName != "" {
		add("pack.scope.region", join(opt.Scope.RegionCode, opt.Scope.RegionName))
	}
	if opt.Scope.DistrictCode != "" || opt.Scope.DistrictName != "" {
		add("pack.scope.district", join(opt.Scope.DistrictCode, opt.Scope.DistrictName))
	}
	if opt.Scope.StationCode != "" || opt.Scope.StationName != "" {
		add("pack.scope.station", join(opt.Scope.StationCode, opt.Scope.StationName))
	}
	if f.Phase != "" {
		add("pack.scope.phase", tr.T("phase."+string(f.Phase)))
	}
	if f.Category != "" {
		add("pack.scope.category", opt.exportOptions().categoryName(f.Category))
	}
	if len(f.Statuses) > 0 {
		names := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			names[i] = tr.T("status." + string(s))
		}
		add("pack.scope.status", strings.Join(names, ", "))
	}
	if f.Witnessed != nil {
		add("pack.scope.witnessed", tr.T("witnessed."+strconv.FormatBool(*f.Witnessed)))
	}
	if f.Window.From != nil {
		add("pack.scope.from", f.Window.From.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if f.Window.To != nil {
		add("pack.scope.to", f.Window.To.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if len(f.IDs) > 0 {
		ids := make([]string, 0, len(f.IDs))
		for i, id := range f.IDs {
			if i == 100 {
				ids = append(ids, "…")
				break
			}
			ids = append(ids, "#"+strconv.FormatInt(id, 10))
		}
		add("pack.scope.chosen", strings.Join(ids, ", "))
	}
	if len(out) == 1 {
		add("pack.scope.what", tr.T("pack.scope.whole_election"))
	}
	return out
}

func yesNo(tr Translator, b bool) string {
	if b {
		return tr.T("pack.yes")
	}
	return tr.T("pack.no")
}

func madeAt(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// packReadme is README.txt: what the pack is, its scope, who made it and when, and
// how to check it with standard tools.
func packReadme(opt PackOptions, fingerprint string) []byte {
	tr := opt.Tr
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteString("\r\n") }
	title := tr.T("pack.readme.title")
	line(title)
	line(strings.Repeat("=", len([]rune(title))))
	line("")
	line(tr.T("pack.readme.intro"))
	line("")
	for _, l := range scopeLines(opt) {
		line(fmt.Sprintf("%s: %s", l[0], l[1]))
	}
	line(fmt.Sprintf("%s: %s", tr.T("pack.made_by"), opt.Author))
	line(fmt.Sprintf("%s: %s", tr.T("pack.made_at"), madeAt(opt.CreatedAt)))
	line(fmt.Sprintf("%s: %s", tr.T("pack.contacts_included"), yesNo(tr, opt.IncludeContacts)))
	line("")
	line(tr.T("pack.readme.contents"))
	type file struct{ name, key string }
	files := []file{
		{PackReadme, "pack.readme.file.readme"}, {PackReport, "pack.readme.file.report"},
		{PackIncidentsCSV, "pack.readme.file.incidents_csv"}, {PackIncidentsJSN, "pack.readme.file.incidents_json"},
		{PackObservations, "pack.readme.file.observations"}, {PackStatistics, "pack.readme.file.statistics"},
		{"evidence/<incident>/<sha256>.<ext>", "pack.readme.file.evidence"}, {PackMessages, "pack.readme.file.messages"},
	}
	if opt.Discrepancies != nil {
		files = append(files, file{PackDiscrepancyFile, "pack.readme.file.discrepancies"})
	}
	files = append(files, file{PackAudit, "pack.readme.file.audit"}, file{PackPublicKey, "pack.readme.file.key"},
		file{PackSums, "pack.readme.file.sums"}, file{PackSignature, "pack.readme.file.sig"})
	for _, f := range files {
		line(fmt.Sprintf("  %-36s %s", f.name, tr.T(f.key)))
	}
	line("")
	line(tr.T("pack.readme.verify"))
	line("")
	line("  1. " + tr.T("pack.readme.verify.sums"))
	line("       sha256sum -c SHA256SUMS")
	line("  2. " + tr.T("pack.readme.verify.sig"))
	line("       openssl pkeyutl -verify -pubin -inkey signing-key.pub -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig")
	line("  3. " + tr.T("pack.readme.verify.key"))
	line("       " + fingerprint)
	line("       openssl pkey -pubin -in signing-key.pub -outform DER | tail -c 32 | sha256sum")
	line("  4. " + tr.T("pack.readme.verify.tool"))
	line("       observer verify " + opt.FileName)
	line("")
	line(tr.T("pack.readme.audit"))
	return []byte(b.String())
}
