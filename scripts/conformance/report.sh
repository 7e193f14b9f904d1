#!/usr/bin/env bash
# report.sh RESULTS PROGRAM...: the report of scripts/conformance.sh, from the
# files inner.sh left in RESULTS (PROGRAM.RUNTIME.{tap,rc,time,err,leaks,log}).
# Prints a table per program with runc's and skiff's counts side by side, the
# totals, the tests runc passes but skiff does not, skiff's failures grouped
# by test description, and the leaks. Writes every skiff failure to
# RESULTS/skiff-failures.txt and the full regression list to
# RESULTS/regressions.txt. Exit status 0 when skiff meets the bar (passes at
# least as many tests as runc, and every test runc passes), 1 otherwise.
#
# A test is identified by its program, its description and the how-manieth
# test of that description it is in the program, so the numbering may differ
# between the runtimes. A program that exits non-zero (util.Fatal, a crash, a
# timeout), or exits 0 without printing any test result (a container that
# died before runtimetest could print), gets one more failed test, "(program
# ran to completion)", whose diagnostic is the runtime's last logged error.
# The hook programs (hooks, prestart, poststart, poststop and their _fail
# variants) print no test line at all: "1..0" alone is their pass, "1..0"
# after a YAML "error" their failure; they count as that one test. process_capabilities_fail and
# process_rlimits_fail count as one test each: does the runtime refuse the
# invalid config (the program exits 0)?
set -euo pipefail
results=$1
shift

# last_error prints why a run went wrong: a changed mount namespace root, else
# the last error the runtime logged (its --log file), else the program's last
# stderr line.
last_error() {
	local base=$1 m
	# a run that lost its mount namespace's root can log nothing else
	m=$(grep -m1 'root of the runtime' "$base.leaks" 2>/dev/null || true)
	if [ -n "$m" ]; then printf '%s' "$m" | cut -c1-200; return; fi
	# the cleanup's own "does not exist" errors say nothing about the failure
	m=$(grep -iE 'level=("?error"?|ERROR)' "$base.log" 2>/dev/null | grep -v 'does not exist' | tail -1 |
		sed -E 's/.*msg="?//; s/"?$//' || true)
	[ -n "$m" ] || m=$(grep -v '^[[:space:]]*$' "$base.err" 2>/dev/null | tail -1 || true)
	printf '%s' "$m" | tr '\t' ' ' | cut -c1-200
}

meta() {
	local p rt b rc t nleaks
	for p in "$@"; do
		for rt in runc skiff; do
			b=$results/$p.$rt
			rc=$(cat "$b.rc" 2>/dev/null || echo missing)
			t=$(cat "$b.time" 2>/dev/null || echo 0)
			nleaks=$(grep -c . "$b.leaks" 2>/dev/null || true)
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$rt" "$rc" "$t" "${nleaks:-0}" "$(last_error "$b")" \
				"$(cat "$b.retried" 2>/dev/null || true)" \
				"$(grep -v '^[[:space:]]*$' "$b.stdio" 2>/dev/null | head -1 | tr '\t' ' ' | cut -c1-4000 || true)"
		done
	done
}

# tap_streams prints every TAP output, each after a line "\001PROGRAM RUNTIME".
tap_streams() {
	local p rt
	for p in "$@"; do
		for rt in runc skiff; do
			printf '\001%s %s\n' "$p" "$rt"
			cat "$results/$p.$rt.tap" 2>/dev/null || true
		done
	done
}

meta "$@" >"$results/meta.tsv"

status=0
awk -F'\t' -v mustreject="process_capabilities_fail process_rlimits_fail" -v failures="$results/skiff-failures.txt" -v regressions="$results/regressions.txt" '
# short keeps both ends of a long message: errors end with their cause.
function short(s, n,   h) {
	gsub(/[[:space:]]+/, " ", s)
	if (length(s) <= n) return s
	h = int((n - 5) / 2)
	return substr(s, 1, h) " ... " substr(s, length(s) - h + 1)
}
function record(rt, desc, status,   k, n) {
	k = prog "\t" desc
	n = ++occ[rt, k]
	if (n > 1) k = k " (#" n ")"
	if (!(k in known)) { known[k] = 1; keys[++nkeys] = k }
	st[rt, k] = status; have[rt, k] = 1
	cnt[prog, rt, status]++; tot[rt, status]++
	last = (status == "fail") ? k : ""
}
function setdiag(rt, k, d) { if (d != "" && !((rt, k) in diag)) diag[rt, k] = d }
# inside summarises the TAP of runtimetest embedded in a "stdout" value: its
# failures, capability checks counted apart.
function inside(s,   n, i, parts, out, caps, l) {
	n = split(s, parts, /\\n/); out = ""; caps = 0
	for (i = 1; i <= n; i++) {
		l = parts[i]
		if (l !~ /^not ok/) continue
		sub(/^not ok [0-9]+ *-? */, "", l)
		if (l ~ /capability CAP_/) { caps++; continue }
		out = out (out == "" ? "" : "; ") l
	}
	if (caps) out = out (out == "" ? "" : "; ") caps " capability checks"
	return out == "" ? "" : "inside: " out
}
function finish(   code) {
	code = rc[prog, rt]
	if (rejects) {
		record(rt, "(the runtime rejects the invalid config)", code == "0" ? "pass" : "fail")
		if (code != "0") setdiag(rt, last, "accepted: the program exited " code)
		return
	}
	if (code == "0" && seen > 0) { record(rt, "(program ran to completion)", "pass"); return }
	if (code == "0" && progerr != "") {
		# the hook programs print no test line: an "error" YAML block and
		# "1..0" when they fail, only "1..0" when they pass
		record(rt, "(program ran to completion)", "fail")
		setdiag(rt, last, progerr)
		return
	}
	if (code == "0" && plan0) { record(rt, "(program ran to completion)", "pass"); return }
	if (code == "0") {
		record(rt, "(program ran to completion)", "fail")
		setdiag(rt, last, "exit 0 without any test result: the container printed nothing" (cerr[prog, rt] == "" ? "" : "; its stderr: " cerr[prog, rt]))
		return
	}
	record(rt, "(program ran to completion)", "fail")
	setdiag(rt, last, (code == "124" || code == "137") ? "timeout" : "exit " code ": " lasterr[prog, rt])
}
FNR == NR {
	prog = $1; rt = $2
	rc[prog, rt] = $3; secs[prog, rt] = $4; leaks[prog, rt] = $5; lasterr[prog, rt] = $6; retried[prog, rt] = $7; cerr[prog, rt] = $8
	if (!(prog in seenprog)) { seenprog[prog] = 1; progs[++nprogs] = prog }
	prog = ""
	next
}
/^\001/ {
	if (prog != "") finish()
	split(substr($0, 2), pr, " "); prog = pr[1]; rt = pr[2]; last = ""; yaml = 0; pending = ""; seen = 0; progerr = ""; plan0 = 0
	rejects = index(" " mustreject " ", " " prog " ") > 0
	next
}
# These programs hand the runtime an invalid config and pass when it refuses
# it (exit 0, no TAP); what runtimetest prints when it is accepted is no pass.
rejects { next }
/^(not )?ok( |$)/ {
	line = $0
	status = ($0 ~ /^not ok/) ? "fail" : "pass"
	sub(/^(not )?ok */, "", line); sub(/^[0-9]+ */, "", line)
	if (line ~ /^# *([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])/ || line ~ / # *([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])( |$)/) status = "skip"
	sub(/^- */, "", line)
	record(rt, line, status)
	seen++
	if (last != "") setdiag(rt, last, pending)
	pending = ""; yaml = 0
	next
}
# A YAML block with the "stdout" of runtimetest comes before its test line
# (util.RuntimeInsideValidate); any other YAML block and "# " lines come
# after theirs.
/^  ---/ { yaml = 1; yin = ""; yother = ""; next }
yaml && /^  \.\.\./ {
	yaml = 0
	if (yin != "") pending = yin
	else if (yother != "" && last != "") setdiag(rt, last, yother)
	else if (yother ~ /^"error"/ && seen == 0) progerr = yother
	next
}
/^1\.\.0$/ && seen == 0 { plan0 = 1; next }
yaml && /^    "stdout": "/ { yin = inside($0); next }
yaml && /^    "(error|stderr|expected|actual)": / && $0 !~ /: "",?$/ {
	d = $0; sub(/^[[:space:]]*/, "", d); sub(/,$/, "", d); gsub(/\\n/, " ", d); gsub(/\\t/, " ", d)
	yother = yother (yother == "" ? "" : " ") d
	next
}
last != "" && /^# / { setdiag(rt, last, substr($0, 3)); next }
END {
	if (prog != "") finish()
	fmt = "%-32s %5s %5s %5s   %5s %5s %5s   %s\n"
	printf "%-32s %17s   %17s\n", "", "------ runc ------", "----- skiff ------"
	printf fmt, "program", "pass", "fail", "skip", "pass", "fail", "skip", "notes (seconds runc/skiff)"
	for (i = 1; i <= nprogs; i++) {
		p = progs[i]; note = ""
		for (j = 1; j <= 2; j++) {
			r = (j == 1) ? "runc" : "skiff"
			if (rc[p, r] == "124" || rc[p, r] == "137") note = note r " timeout; "
			else if (rc[p, r] != "0") note = note r " exit " rc[p, r] "; "
			if (retried[p, r] != "") note = note r " retried (first exit " retried[p, r] "); "
			if (leaks[p, r] > 0) note = note r " " leaks[p, r] " leaks; "
		}
		note = note secs[p, "runc"] "/" secs[p, "skiff"]
		printf fmt, p, cnt[p, "runc", "pass"] + 0, cnt[p, "runc", "fail"] + 0, cnt[p, "runc", "skip"] + 0, \
			cnt[p, "skiff", "pass"] + 0, cnt[p, "skiff", "fail"] + 0, cnt[p, "skiff", "skip"] + 0, note
	}
	printf fmt, "TOTAL", tot["runc", "pass"] + 0, tot["runc", "fail"] + 0, tot["runc", "skip"] + 0, \
		tot["skiff", "pass"] + 0, tot["skiff", "fail"] + 0, tot["skiff", "skip"] + 0, ""
	print ""
	printf "runc: %d passed, %d failed; skiff: %d passed, %d failed\n", \
		tot["runc", "pass"], tot["runc", "fail"], tot["skiff", "pass"], tot["skiff", "fail"]
	printf "(skipped: runc %d, skiff %d; a program that did not exit 0 counts one failed test)\n", \
		tot["runc", "skip"], tot["skiff", "skip"]

	# tests runc passes but skiff does not
	nreg = 0
	printf "" > regressions
	for (i = 1; i <= nkeys; i++) {
		k = keys[i]
		if (st["runc", k] != "pass" || st["skiff", k] == "pass") continue
		s = have["skiff", k] ? st["skiff", k] : "not run"
		split(k, kp, "\t")
		d = (("skiff", k) in diag) ? "  [" short(diag["skiff", k], 160) "]" : ""
		line = sprintf("  %-30s %-8s %s%s", kp[1], s, kp[2], d)
		print line > regressions
		nreg++
		# grouped: capability names and repeat counters folded
		g = kp[2]; gsub(/CAP_[A-Z_]+/, "CAP_*", g); sub(/ \(#[0-9]+\)$/, "", g)
		g = s " - " g
		if (s == "not run") {
			g = "not run - the tests after the point where " kp[1] " stopped"
			d = (("skiff", kp[1] "\t(program ran to completion)") in diag) ? diag["skiff", kp[1] "\t(program ran to completion)"] : lasterr[kp[1], "skiff"]
			d = d == "" ? "" : "  [" short(d, 160) "]"
		}
		if (!(g in gcount)) { gorder[++ng] = g; gprogs[g] = "" }
		gcount[g]++
		if (index("," gprogs[g] ",", "," kp[1] ",") == 0) gprogs[g] = gprogs[g] (gprogs[g] == "" ? "" : ",") kp[1]
		if (d != "" && index(gdiag[g], d) == 0 && length(gdiag[g]) < 1000) gdiag[g] = gdiag[g] d
	}
	print ""
	printf "tests runc passes but skiff does not: %d, in %d groups (full list: %s)\n", nreg, ng, regressions
	for (i = 1; i <= ng; i++) {
		g = gorder[i]
		printf "  %4d  %s  {%s}%s\n", gcount[g], short(g, 110), short(gprogs[g], 120), gdiag[g]
	}

	printf "" > failures
	for (i = 1; i <= nkeys; i++) {
		k = keys[i]
		if (st["skiff", k] != "fail") continue
		split(k, kp, "\t")
		also = (st["runc", k] == "pass") ? "" : " (runc: " (have["runc", k] ? st["runc", k] : "not run") ")"
		d = (("skiff", k) in diag) ? "  [" short(diag["skiff", k], 300) "]" : ""
		printf "%s: not ok - %s%s%s\n", kp[1], kp[2], also, d > failures
	}

	ok = (tot["skiff", "pass"] >= tot["runc", "pass"] && nreg == 0)
	print ""
	print ok ? "verdict: skiff meets the bar (at least as many passes as runc, none of runc'"'"'s passes failing)" \
	         : "verdict: skiff does NOT meet the bar yet"
	exit ok ? 0 : 1
}' "$results/meta.tsv" <(tap_streams "$@") || status=$?

# leaks, folded (ids, pids and bundle names replaced), per runtime
leaks=$(for rt in runc skiff; do
	cat "$results"/*."$rt".leaks 2>/dev/null | sed -E \
		-e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/ID/g' \
		-e 's/ocitest[0-9]+/ocitestN/g' -e 's/process [0-9]+/process PID/' -e "s/^/$rt: /"
done | sort | uniq -c | sort -rn)
echo
if [ -n "$leaks" ]; then
	echo "left behind after the runs (and cleaned up by the harness), count: what"
	echo "$leaks" | sed 's/^/  /'
else
	echo "nothing was left behind by either runtime"
fi
exit "$status"
