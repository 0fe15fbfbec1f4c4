-- Headless Neovim, configured with one of the recipes in editors/nvim/, drives
-- the real reflex-django-lsp binary on a copy of fixtures/shop:
--
--   RDJ_NVIM_RECIPE=0.7 RDJ_LSP_BIN=target/debug/reflex-django-lsp \
--   RDJ_SHOP=/tmp/copy/shop RDJ_REPO=$PWD PATH=<folder with reflex-django-lsp>:$PATH \
--   nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/shop.lua'
--
-- (tests/nvim/run.sh makes the copy, puts the binary on PATH and runs this.)
-- RDJ_NVIM_RECIPE picks the recipe, loaded from the repository's
-- editors/nvim/ on 'runtimepath' as its README says, with only `settings`
-- given (so `cmd` is the recipe's default, `reflex-django-lsp` on PATH):
--   0.11  lsp/reflex_django_lsp.lua with vim.lsp.config + vim.lsp.enable
--   0.8   require('reflex_django_lsp.nvim_0_8').setup() (vim.lsp.start, vim.fs)
--   0.7   require('reflex_django_lsp.nvim_0_7').setup() (vim.lsp.start_client)
--
-- Everything goes through what a user runs: :edit, vim.lsp.buf.hover(),
-- vim.lsp.buf.code_action() with the action picked in its vim.ui.select menu.
-- It checks that:
--   1. the client starts on catalog.py, rooted at the copy of the shop;
--   2. the diagnostics on shop/states/catalog.py are exactly the file's
--      `# expect: RDJxxx` markers (line and code), less RDJ302, which the
--      recipe's `settings` turn off (so settings reach the server);
--   3. hover on the RDJ101 diagnostic shows that rule's documentation, as
--      `reflex-django-lsp rule RDJ101` prints it;
--   4. the quick fix "Use `await Product.objects.aget()`" rewrites the RDJ101
--      line, and the server then drops that diagnostic;
--   5. fix-all (source.fixAll) makes the buffer what `reflex-django-lsp check
--      --fix` makes of it (run on a second copy), and the server then drops
--      exactly the diagnostics that had a safe quick fix just before (at
--      least one), leaving the others (at least RDJ301) on lines whose
--      markers name them;
--   6. "Disable RDJ301 for this line" appends `# noqa: RDJ301`, and the
--      server drops that diagnostic and keeps the rest.
-- Exit code 0 on success; otherwise 1 with "nvim test FAILED: ..." on stderr.

local TIMEOUT_MS = 15000
local IGNORED = 'RDJ302' -- turned off through the recipe's `settings`
local FIX_TITLE = 'Use `await Product.objects.aget()`'
local NOQA_CODE = 'RDJ301'
local CATALOG = 'shop/states/catalog.py'

local function out(msg)
  io.stdout:write(msg .. '\n')
  io.stdout:flush()
end

local function lsp_log_tail()
  local ok, path = pcall(vim.lsp.get_log_path)
  if not ok or not path then
    return ''
  end
  local f = io.open(path, 'r')
  if not f then
    return ''
  end
  local lines = {}
  for line in f:lines() do
    lines[#lines + 1] = line
  end
  f:close()
  local from = math.max(1, #lines - 20)
  return '\n--- last lines of ' .. path .. ' ---\n' .. table.concat(lines, '\n', from)
end

local Failure = {}

local function fail(msg)
  error(setmetatable({ msg = msg }, Failure), 0)
end

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == '' then
    fail('environment variable ' .. name .. ' is not set')
  end
  return v
end

local uv = vim.loop or vim.uv

local function realpath(p)
  return uv.fs_realpath(p) or p
end

local function clients_of(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'reflex_django_lsp' })
  end
  local list = {}
  for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if c.name == 'reflex_django_lsp' then
      list[#list + 1] = c
    end
  end
  return list
end

-- Loads the recipe `recipe` from `repo`'s editors/nvim as a user would, and
-- checks that the files Neovim loaded are the repository's. Returns how.
local function load_recipe(recipe, repo, settings)
  local folder = repo .. '/editors/nvim'
  vim.opt.runtimepath:append(folder)
  if recipe == '0.11' then
    if not (vim.lsp.config and vim.lsp.enable) then
      fail('the 0.11 recipe needs vim.lsp.config and vim.lsp.enable (Neovim 0.11+)')
    end
    local found = vim.api.nvim_get_runtime_file('lsp/reflex_django_lsp.lua', true)
    if #found ~= 1 or realpath(found[1]) ~= folder .. '/lsp/reflex_django_lsp.lua' then
      fail("'runtimepath' gives lsp/reflex_django_lsp.lua as " .. vim.inspect(found))
    end
    vim.lsp.config('reflex_django_lsp', { settings = settings })
    vim.lsp.enable('reflex_django_lsp')
    return 'lsp/reflex_django_lsp.lua (vim.lsp.config + vim.lsp.enable)'
  end
  local name = ({ ['0.8'] = 'nvim_0_8', ['0.7'] = 'nvim_0_7' })[recipe]
  if not name then
    fail('RDJ_NVIM_RECIPE is ' .. vim.inspect(recipe) .. ': one of 0.11, 0.8, 0.7')
  end
  local module = require('reflex_django_lsp.' .. name)
  local path = folder .. '/lua/reflex_django_lsp/' .. name .. '.lua'
  local loaded = realpath((debug.getinfo(module.setup, 'S').source:gsub('^@', '')))
  if loaded ~= path then
    fail('require loaded ' .. loaded .. ', not ' .. path)
  end
  module.setup({ settings = settings })
  return 'lua/reflex_django_lsp/' .. name .. '.lua'
end

-- Expected (line, code) pairs from the `# expect:` markers, 0-based lines.
local function expected_markers(lines)
  local expected = {}
  for i, line in ipairs(lines) do
    local codes = line:match('# expect: (RDJ[%d, RDJ]*)')
    if codes then
      for code in codes:gmatch('RDJ%d+') do
        if code ~= IGNORED then
          expected[(i - 1) .. ':' .. code] = true
        end
      end
    end
  end
  return expected
end

local function code_of(d)
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  return code and tostring(code)
end

-- The (line, code) set of the buffer's diagnostics, one diagnostic per pair,
-- and how many pairs show more than once (0.10+ keeps pushed and pulled
-- diagnostics in separate namespaces and shows both).
local function actual_diagnostics(bufnr)
  local actual, by_key, repeated = {}, {}, 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = code_of(d)
    if code then
      local key = d.lnum .. ':' .. code
      if actual[key] then
        repeated = repeated + 1
      end
      actual[key] = true
      by_key[key] = d
    end
  end
  return actual, by_key, repeated
end

local function describe(set)
  local keys = vim.tbl_keys(set)
  table.sort(keys, function(a, b)
    local la, lb = tonumber(a:match('^%d+')), tonumber(b:match('^%d+'))
    if la ~= lb then
      return la < lb
    end
    return a < b
  end)
  local shown = {}
  for _, k in ipairs(keys) do
    local line, code = k:match('^(%d+):(.*)$')
    shown[#shown + 1] = code .. '@' .. (tonumber(line) + 1)
  end
  return '{' .. table.concat(shown, ', ') .. '}'
end

local function same_set(a, b)
  for k in pairs(a) do
    if not b[k] then
      return false
    end
  end
  for k in pairs(b) do
    if not a[k] then
      return false
    end
  end
  return true
end

-- Waits until the buffer's diagnostics are exactly `expected`; returns them
-- by key and how long that took.
local function wait_diagnostics(bufnr, expected, what)
  local actual, by_key, repeated
  local t0 = uv.hrtime()
  local ok = vim.wait(TIMEOUT_MS, function()
    actual, by_key, repeated = actual_diagnostics(bufnr)
    return same_set(actual, expected)
  end, 10)
  if not ok then
    fail('diagnostics ' .. what .. ' after ' .. TIMEOUT_MS .. ' ms: ' .. describe(actual)
      .. ', expected ' .. describe(expected))
  end
  if repeated > 0 then
    -- A client that pulls (0.10+) must not also be pushed to.
    fail(repeated .. ' diagnostic(s) shown twice (pushed and pulled)')
  end
  return by_key, (uv.hrtime() - t0) / 1e6
end

local function find_key(by_key, code)
  for key, d in pairs(by_key) do
    if key:match(':' .. code .. '$') then
      return d
    end
  end
  fail('no ' .. code .. ' diagnostic')
end

local function put_cursor_on(d)
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
end

local function line(bufnr, lnum)
  return vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1]
end

-- A request straight to the client, answered within TIMEOUT_MS (0.7's
-- buf_request_sync can fail inside its own cancel() on a timeout).
local function request(client, bufnr, method, params)
  local done, rerr, result
  local function handler(e, r)
    done, rerr, result = true, e, r
  end
  local sent
  if vim.fn.has('nvim-0.11') == 1 then
    sent = client:request(method, params, handler, bufnr)
  else
    sent = client.request(method, params, handler, bufnr)
  end
  if not sent then
    fail('could not send ' .. method .. ' (client stopped: ' .. tostring(client:is_stopped()) .. ')')
  end
  if not vim.wait(TIMEOUT_MS, function()
    return done == true
  end, 10) then
    fail('no answer to ' .. method .. ' in ' .. TIMEOUT_MS .. ' ms')
  end
  if rerr then
    fail(method .. ' error: ' .. vim.inspect(rerr))
  end
  return result
end

-- The LSP form of a vim.diagnostic (0.7 keeps only the code in user_data.lsp).
local function lsp_diagnostic(bufnr, d, encoding)
  local full = d.user_data and d.user_data.lsp
  if full and full.range then
    return full
  end
  local function position(lnum, col)
    local text = line(bufnr, lnum) or ''
    col = math.min(col, #text)
    if encoding == 'utf-8' then
      return { line = lnum, character = col }
    end
    local utf32, utf16 = vim.str_utfindex(text, col)
    return { line = lnum, character = encoding == 'utf-32' and utf32 or utf16 }
  end
  return {
    range = { start = position(d.lnum, d.col), ['end'] = position(d.end_lnum or d.lnum, d.end_col or d.col) },
    severity = d.severity,
    code = code_of(d),
    source = d.source,
    message = d.message,
  }
end

-- vim.lsp.buf.hover() at the cursor; the text of the window it opens.
local function hover_text()
  local before = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    before[win] = true
  end
  vim.lsp.buf.hover()
  local float
  vim.wait(TIMEOUT_MS, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if not before[win] and vim.api.nvim_win_get_config(win).relative ~= '' then
        float = win
        return true
      end
    end
    return false
  end, 10)
  if not float then
    fail('vim.lsp.buf.hover() opened no window in ' .. TIMEOUT_MS .. ' ms')
  end
  local text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), '\n')
  vim.api.nvim_win_close(float, true)
  return text
end

-- vim.lsp.buf.code_action() at the cursor, as a user runs it: the action
-- titled `title` is picked in its menu (vim.ui.select). Waits until Neovim
-- has applied it to the buffer.
local function code_action(bufnr, only, title)
  local select = vim.ui.select
  local offered, chosen
  vim.ui.select = function(items, _, on_choice)
    vim.ui.select = select
    offered = {}
    for i, item in ipairs(items) do
      local action = item.action or item[2] -- 0.10+: { action, ctx }; before: { client_id, action }
      offered[#offered + 1] = action.title
      if action.title == title then
        chosen = i
      end
    end
    on_choice(chosen and items[chosen], chosen)
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local context = { only = only }
  if vim.fn.has('nvim-0.8') == 1 then
    vim.lsp.buf.code_action({ context = context })
  else
    vim.lsp.buf.code_action(context)
  end
  local applied = vim.wait(TIMEOUT_MS, function()
    return offered ~= nil and (chosen == nil or vim.api.nvim_buf_get_changedtick(bufnr) ~= tick)
  end, 10)
  vim.ui.select = select
  if offered == nil then
    fail('vim.lsp.buf.code_action() showed no menu in ' .. TIMEOUT_MS .. ' ms (wanted ' .. title .. ')')
  end
  if chosen == nil then
    fail('no code action titled ' .. title .. ' among ' .. vim.inspect(offered))
  end
  if not applied then
    fail('the code action ' .. title .. ' did not change the buffer')
  end
end

-- What `reflex-django-lsp check --fix` makes of `lines` as catalog.py, in a
-- second copy of the shop (the editor's copy and buffer stay as they are).
local function cli_fix(bin, shop, lines)
  local copy = shop .. '-cli'
  vim.fn.system({ 'cp', '-R', shop, copy })
  if vim.v.shell_error ~= 0 then
    fail('could not copy ' .. shop .. ' to ' .. copy)
  end
  vim.fn.writefile(lines, copy .. '/' .. CATALOG)
  local output = vim.fn.system({
    'sh', '-c', 'cd "$1" && exec "$2" check --fix --no-cache --ignore "$3" "$4"', 'sh',
    copy, bin, IGNORED, CATALOG,
  })
  -- Exit code 1 while findings are left; 2 is an error.
  if vim.v.shell_error > 1 then
    fail('`reflex-django-lsp check --fix` failed: ' .. output)
  end
  return vim.fn.readfile(copy .. '/' .. CATALOG)
end

local function main()
  local started = uv.hrtime()
  local recipe = env('RDJ_NVIM_RECIPE')
  local bin = realpath(env('RDJ_LSP_BIN'))
  local shop = realpath(env('RDJ_SHOP'))
  local repo = realpath(env('RDJ_REPO'))
  -- The recipes run `reflex-django-lsp` from PATH: it must be the one tested.
  local on_path = vim.fn.exepath('reflex-django-lsp')
  if on_path == '' or realpath(on_path) ~= bin then
    fail('reflex-django-lsp on PATH is ' .. vim.inspect(on_path) .. ', not ' .. bin)
  end
  local file = shop .. '/' .. CATALOG
  if vim.fn.filereadable(file) ~= 1 then
    fail('missing fixture file: ' .. file)
  end

  vim.cmd('filetype on')
  local how = load_recipe(recipe, repo, { reflexDjangoLsp = { ignore = { IGNORED } } })
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= 'python' then
    fail('filetype of catalog.py is ' .. vim.inspect(vim.bo[bufnr].filetype) .. ', not python')
  end
  local v = vim.version()
  out(string.format('Neovim %d.%d.%d, recipe %s', v.major, v.minor, v.patch, how))

  -- 1. The client starts, initializes, and is rooted at the copy.
  local client
  if not vim.wait(TIMEOUT_MS, function()
    client = clients_of(bufnr)[1]
    return client ~= nil and client.initialized == true
  end, 10) then
    fail('no initialized reflex_django_lsp client on catalog.py after ' .. TIMEOUT_MS .. ' ms')
  end
  local root = client.config.root_dir and realpath(client.config.root_dir)
  if root ~= shop then
    fail('client root is ' .. tostring(root) .. ', expected ' .. shop)
  end
  local encoding = client.offset_encoding or 'utf-16'
  out('client initialized, root ' .. root .. ', offset encoding ' .. encoding)

  -- 2. The diagnostics are exactly the markers (less the ignored rule).
  local expected = expected_markers(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  if vim.tbl_isempty(expected) then
    fail('no `# expect:` markers in ' .. file)
  end
  local by_key, ms = wait_diagnostics(bufnr, expected, 'on opening')
  out(string.format('diagnostics match the markers in %.0f ms: %s', ms, describe(expected)))

  -- 3. Hover on the RDJ101 diagnostic: the rule's documentation.
  local rdj101 = find_key(by_key, 'RDJ101')
  local doc = vim.fn.system({ bin, 'rule', 'RDJ101' })
  if vim.v.shell_error ~= 0 then
    fail('`reflex-django-lsp rule RDJ101` failed: ' .. doc)
  end
  local doc_line -- the first line of prose in the documentation
  for l in doc:gmatch('[^\n]+') do
    if l:match('^%u%l') and #l > 30 then
      doc_line = vim.trim(l)
      break
    end
  end
  if not doc_line then
    fail('no line of prose in `reflex-django-lsp rule RDJ101`:\n' .. doc)
  end
  put_cursor_on(rdj101)
  local hover = hover_text()
  if not hover:find('RDJ101', 1, true) or not hover:find(doc_line, 1, true) then
    fail('hover on RDJ101 shows ' .. vim.inspect(hover) .. ', without "RDJ101" and ' .. vim.inspect(doc_line))
  end
  out('hover shows the rule documentation (' .. #vim.split(hover, '\n') .. ' lines)')

  -- 4. The quick fix for RDJ101.
  local before = line(bufnr, rdj101.lnum)
  local line_count = vim.api.nvim_buf_line_count(bufnr)
  put_cursor_on(rdj101)
  code_action(bufnr, { 'quickfix' }, FIX_TITLE)
  local wanted = before:gsub('Product%.objects%.get%(', 'await Product.objects.aget(', 1)
  if line(bufnr, rdj101.lnum) ~= wanted or vim.api.nvim_buf_line_count(bufnr) ~= line_count then
    fail('line ' .. (rdj101.lnum + 1) .. ' after the quick fix is ' .. vim.inspect(line(bufnr, rdj101.lnum))
      .. ', expected ' .. vim.inspect(wanted))
  end
  expected[rdj101.lnum .. ':RDJ101'] = nil
  by_key = wait_diagnostics(bufnr, expected, 'after the quick fix')
  out('quick fix applied: ' .. vim.trim(line(bufnr, rdj101.lnum)))

  -- 5. Fix-all removes the diagnostics that have a safe quick fix (the
  -- server's preferred action), and only those.
  local safe, kept = {}, {}
  for key, d in pairs(by_key) do
    local lsp_diag = lsp_diagnostic(bufnr, d, encoding)
    local actions = request(client, bufnr, 'textDocument/codeAction', {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = lsp_diag.range,
      context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
    })
    local has_safe_fix = false
    for _, a in ipairs(actions or {}) do
      has_safe_fix = has_safe_fix or a.isPreferred == true
    end
    local code = key:match(':(.*)$')
    local into = has_safe_fix and safe or kept
    into[code] = (into[code] or 0) + 1
  end
  if vim.tbl_isempty(safe) then
    fail('no diagnostic left with a safe quick fix: fix-all has nothing to show')
  end
  local cli_fixed = cli_fix(bin, shop, vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  code_action(bufnr, { 'source.fixAll' }, 'Fix all safely fixable reflex-django-lsp findings')
  local fixed_text = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  if not vim.deep_equal(fixed_text, cli_fixed) then
    fail('after fix-all the buffer is\n' .. table.concat(fixed_text, '\n')
      .. '\n--- but `check --fix` makes\n' .. table.concat(cli_fixed, '\n'))
  end
  local left
  if not vim.wait(TIMEOUT_MS, function()
    left = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      local code = code_of(d)
      if code then
        left[code] = (left[code] or 0) + 1
      end
    end
    return vim.deep_equal(left, kept)
  end, 10) then
    fail('diagnostic codes after fix-all: ' .. vim.inspect(left) .. ', expected ' .. vim.inspect(kept)
      .. ' (safely fixable before: ' .. vim.inspect(safe) .. ')')
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local markers = expected_markers(lines)
  expected, by_key = actual_diagnostics(bufnr)
  for key in pairs(expected) do
    if not markers[key] then
      local l = tonumber(key:match('^%d+'))
      fail('after fix-all, ' .. key:match(':(.*)$') .. ' on line ' .. (l + 1) .. ' without its marker: '
        .. vim.inspect(lines[l + 1]))
    end
  end
  out('fix-all applied: fixed ' .. vim.inspect(safe):gsub('%s+', ' ') .. ', left ' .. vim.inspect(kept):gsub('%s+', ' '))

  -- 6. The noqa quick fix for RDJ301 (which has no fix).
  local noqa = find_key(by_key, NOQA_CODE)
  before = line(bufnr, noqa.lnum)
  put_cursor_on(noqa)
  code_action(bufnr, { 'quickfix' }, 'Disable ' .. NOQA_CODE .. ' for this line')
  if line(bufnr, noqa.lnum) ~= before .. '  # noqa: ' .. NOQA_CODE then
    fail('line ' .. (noqa.lnum + 1) .. ' after the noqa fix is ' .. vim.inspect(line(bufnr, noqa.lnum)))
  end
  expected[noqa.lnum .. ':' .. NOQA_CODE] = nil
  wait_diagnostics(bufnr, expected, 'after the noqa fix')
  out('noqa applied: ' .. vim.trim(line(bufnr, noqa.lnum)) .. '; diagnostics left: ' .. describe(expected))

  vim.lsp.stop_client(client.id)
  vim.wait(5000, function()
    return client:is_stopped()
  end, 10)
  out(string.format('ok in %.1f s', (uv.hrtime() - started) / 1e9))
end

local ok, e = xpcall(main, function(e)
  if getmetatable(e) == Failure then
    return e
  end
  return debug.traceback(tostring(e), 2)
end)
if ok then
  vim.cmd('qall!')
else
  local msg = getmetatable(e) == Failure and e.msg or tostring(e)
  io.stderr:write('nvim test FAILED: ' .. msg .. lsp_log_tail() .. '\n')
  io.stderr:flush()
  vim.cmd('cquit 1')
end
