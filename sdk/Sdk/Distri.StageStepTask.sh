#!/bin/sh
# Distri.StageStepTask.sh TASKS_DIR NAME — the copy of the tasks that DistriExec loads in the
# MSBuild node (Distri.Tasks.targets): makes TASKS_DIR/node/NAME a copy of the files in TASKS_DIR
# unless it exists, and prints "stale" when that copy's Distri.Tasks.dll is not the current one.
# A copy is never changed once in place: a node that loaded it keeps using it.
set -eu
cd "$1"
name=$2
copy="node/$name"
if [ ! -f "$copy/Distri.Tasks.dll" ]; then
  mkdir -p node
  staged=$(mktemp -d node/.stage.XXXXXX)
  chmod 755 "$staged"
  find . -maxdepth 1 -type f -exec cp -p {} "$staged"/ \;
  # Packages built in parallel (and test runs) race here: the first rename wins.
  mv -T "$staged" "$copy" 2>/dev/null || rm -rf "$staged"
  # Older copies and leftovers, a day after they were made (never the current one, so no copy in
  # use is ever half removed); a node holding one keeps its open files.
  find node -mindepth 1 -maxdepth 1 ! -name "$name" -mmin +1440 -exec rm -rf {} + 2>/dev/null || true
fi
cmp -s "$copy/Distri.Tasks.dll" Distri.Tasks.dll || echo stale
