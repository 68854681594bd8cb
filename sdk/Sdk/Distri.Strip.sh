# The strip step (Distri.Image.targets, DistriStrip), run by the step's shell inside the sandbox
# with $root (the install tree) and $debug (the debug image's out/lib/debug) set. Each executable
# and shared library with DWARF and a build ID: its debug info to $debug/.build-id/xx/rest.debug
# (gdb's layout), then stripped of it. Symbol tables stay: backtraces keep their function names.
# A root that is no plain directory is refused by packing (DST3005): nothing to strip here.
[ -d "$root" ] && [ ! -L "$root" ] || exit 0
rm -rf "$debug"
find "$root" -type f -size +63c -exec sh -ec '
debug=$1; shift
magic=`printf "\177ELF"`
for f; do
  [ "`head -c 4 "$f"`" = "$magic" ] || continue
  readelf -h "$f" 2>/dev/null | grep -Eq "^ *Type: *(EXEC|DYN) " || continue
  readelf -S -W "$f" | grep -q " \.debug_info " || continue
  id=`readelf -n "$f" | sed -n "s/^ *Build ID: *\([0-9a-f][0-9a-f]*\)$/\1/p" | head -n 1`
  if [ -z "$id" ]; then echo "strip: $f has no build ID: its debug info stays in it"; continue; fi
  dir=$debug/.build-id/`echo "$id" | cut -c1-2`
  mkdir -p "$dir"
  objcopy --only-keep-debug "$f" "$dir/`echo "$id" | cut -c3-`.debug"
  # strip rewrites the file in place: one installed read-only (the XS modules of perl, 0444)
  # is made writable for it and given its mode back. (No single quotes here: sh -ec below.)
  if [ -w "$f" ]; then strip --strip-debug "$f"; else chmod u+w "$f"; strip --strip-debug "$f"; chmod u-w "$f"; fi
  echo "strip: $f ($id)"
done' strip "$debug" {} +
