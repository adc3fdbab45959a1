#!/usr/bin/env bats
# The layer order of docs/ARCHITECTURE.md, read from the sources: every
# #include "..." of a project header must name one of the including
# folder's own layer or of a layer below it, and library code must not
# end the program.  Nothing is built or run.

load lib

# folder -> layer
layer_of() {
	case "$1" in
	common) echo common ;;
	kernel-symbols | kernel-symbols/fuzz) echo ksym ;;
	gdbstub-client/rsp) echo rsp ;;
	gdbstub-client/report) echo report ;;
	gdbstub-client/target) echo target ;;
	gdbstub-client/linux) echo linux ;;
	gdbstub-client/profile) echo profile ;;
	gdbstub-client/cli) echo cli ;;
	gdbstub-client/fuzz) echo gc-fuzz ;;
	wrapper) echo wrapper ;;
	*) echo unknown ;;
	esac
}

# layer -> the layers it may include (itself first)
allowed() {
	case "$1" in
	common) echo common ;;
	ksym) echo ksym common ;;
	rsp) echo rsp common ;;
	report) echo report common ;;
	target) echo target ksym rsp report common ;;
	linux) echo linux target ksym rsp report common ;;
	profile) echo profile linux target ksym rsp report common ;;
	cli) echo cli profile linux target ksym rsp report common ;;
	wrapper) echo wrapper common ;;
	# the client's fuzz targets link rsp/, report/ and common/ only
	gc-fuzz) echo gc-fuzz rsp report common ;;
	esac
}

SRC_DIRS=(common kernel-symbols kernel-symbols/fuzz gdbstub-client/rsp
	gdbstub-client/report gdbstub-client/target gdbstub-client/linux gdbstub-client/profile
	gdbstub-client/cli gdbstub-client/fuzz wrapper)

# check_includes: one line per include that breaks the order; status 1
# if there is any.  A header is looked for in the including file's folder
# first (as the compiler does), then in every source folder; a folder's
# internal.h is private to it.
check_includes() {
	local dir f n line hdr lay own cand clay bad=0
	for dir in "${SRC_DIRS[@]}"; do
		[ -d "$KIT/$dir" ] || { echo "$dir: missing source folder"; bad=1; continue; }
		own=$(layer_of "$dir")
		for f in "$KIT/$dir"/*.[ch]; do
			[ -f "$f" ] || continue
			n=0
			while IFS= read -r line; do
				n=$((n + 1))
				[[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
				hdr=${BASH_REMATCH[1]}
				[ -f "$KIT/$dir/$hdr" ] && continue
				lay=
				for cand in "${SRC_DIRS[@]}"; do
					[ -f "$KIT/$cand/$hdr" ] || continue
					clay=$(layer_of "$cand")
					if [ "$(basename "$hdr")" = internal.h ]; then
						echo "${f#"$KIT"/}:$n: includes $cand/$hdr, private to $cand"
						bad=1
					elif [[ " $(allowed "$own") " != *" $clay "* ]]; then
						echo "${f#"$KIT"/}:$n: includes $cand/$hdr (layer $clay); layer $own may use only: $(allowed "$own")"
						bad=1
					fi
					lay=$clay
				done
				[ -n "$lay" ] || { echo "${f#"$KIT"/}:$n: includes \"$hdr\", found in no source folder"; bad=1; }
			done <"$f"
		done
	done
	return "$bad"
}

@test "every #include \"...\" names a header of the same layer or a lower one" {
	run check_includes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the check sees a bad include (a scratch copy of the tree)" {
	# the layer test of a copy with one upward include must fail, naming it
	local copy=$BATS_TEST_TMPDIR/kit
	mkdir -p "$copy"
	for d in "${SRC_DIRS[@]}"; do
		mkdir -p "$copy/$d"
		cp "$KIT/$d"/*.[ch] "$copy/$d"/ 2>/dev/null || true
	done
	printf '#include "target.h"\n' >>"$copy/gdbstub-client/rsp/core.c"
	KIT=$copy run check_includes
	[ "$status" -eq 1 ]
	[[ "$output" == *"gdbstub-client/rsp/core.c:"*": includes gdbstub-client/target/target.h (layer target); layer rsp may use only: rsp common"* ]] || { echo "$output"; false; }
}

# Library code hands errors back (struct kit_err) and never ends the
# program: die() and exit() belong to the CLI code (gdbstub-client/cli/,
# wrapper/main.c, kernel-symbols/main.c) and to the option parsing of the
# subcommands that live with their layer (profile, sample, report,
# compare).  Those files
# are listed here, so that no other file starts to; take a file off when
# it stops.
# (_exit() in a forked child that failed to exec ends only the child.)
EXITS_KNOWN=(
	common/usage.c          # defines die() and die_errno()
	common/opts.c           # die_usage(): a usage error, for CLI code
	common/version.c        # kit_print_version(): --version, for CLI code
	gdbstub-client/profile/sample.c # the sample command's option parsing
	gdbstub-client/profile/recorder.c # the profile command's option parsing
	gdbstub-client/report/commands.c # the report and compare commands' options
)

@test "no library file outside the known ones calls die() or exit()" {
	local f rel hits out=
	for f in $(cd "$KIT" && ls common/*.c kernel-symbols/*.c gdbstub-client/{rsp,report,target,linux,profile}/*.c wrapper/*.c); do
		case "$f" in
		wrapper/main.c | kernel-symbols/main.c) continue ;;
		esac
		# calls, not comment lines
		hits=$(grep -nE '(^|[^a-z_])(die|die_errno|die_usage|exit)[[:space:]]*\(' "$KIT/$f" |
			grep -vE '^[0-9]+:[[:space:]]*(\*|/\*|//)') || continue
		if [[ " ${EXITS_KNOWN[*]} " == *" $f "* ]]; then
			continue
		fi
		out+="$(echo "$hits" | sed "s|^|$f:|")"$'\n'
	done
	[ -z "$out" ] || { printf '%s' "$out"; false; }
	for f in "${EXITS_KNOWN[@]}"; do
		grep -qE '(^|[^a-z_])(die|die_errno|die_usage|exit)[[:space:]]*\(' "$KIT/$f" ||
			echo "# $f no longer calls die() or exit(): take it off EXITS_KNOWN" >&3
	done
}
