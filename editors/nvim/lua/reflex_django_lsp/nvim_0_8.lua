-- reflex-django-lsp for Neovim 0.8-0.10 (`vim.lsp.start`, root via `vim.fs`).
-- (Neovim 0.11+: use lsp/reflex_django_lsp.lua; 0.7: nvim_0_7.lua beside this.)
--
-- With this repository's editors/nvim folder on 'runtimepath':
--
--   vim.opt.runtimepath:append('/path/to/reflex-django-lsp/editors/nvim')
--   require('reflex_django_lsp.nvim_0_8').setup()
--
-- or copy this file anywhere and load it by path:
--
--   dofile('/path/to/nvim_0_8.lua').setup()
--
-- `setup` takes the same fields as the 0.11+ config; each one given replaces
-- the default:
--
--   require('reflex_django_lsp.nvim_0_8').setup({
--     cmd = { vim.fn.expand('~/.cargo/bin/reflex-django-lsp'), 'server' },
--     settings = { reflexDjangoLsp = { ignore = { 'RDJ301' }, unsafeFixes = true } },
--   })
--
-- Settings use the keys of the config file in camelCase (see
-- editors/nvim/README.md); they are sent as `initializationOptions` (unless
-- `init_options` is given) and through `workspace/didChangeConfiguration`.

local M = {}

M.defaults = {
  name = 'reflex_django_lsp',
  cmd = { 'reflex-django-lsp', 'server' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'rxconfig.py', 'manage.py', 'setup.cfg', '.git' },
  settings = {},
}

-- The nearest folder at or above `file`'s own that holds one of `markers`;
-- the file's folder when none does (never the working directory, which may be
-- $HOME: the server would index all of it).
local function root_of(file, markers)
  local dir = vim.fs.dirname(file)
  local found = vim.fs.find(markers, { upward = true, path = dir })[1]
  return found and vim.fs.dirname(found) or dir
end

function M.setup(opts)
  local config = vim.tbl_extend('force', M.defaults, opts or {})
  local function attach(bufnr)
    local file = vim.api.nvim_buf_get_name(bufnr)
    if file == '' or vim.bo[bufnr].buftype ~= '' then
      return -- no file: a scratch buffer, a terminal, help...
    end
    -- A fresh table each time: vim.lsp.start keeps the one it is given.
    local client_config = vim.tbl_extend('force', config, {
      root_dir = root_of(file, config.root_markers),
      init_options = config.init_options or config.settings,
    })
    client_config.filetypes, client_config.root_markers = nil, nil
    -- Reuses the running client that has the same name and root.
    vim.lsp.start(client_config, { bufnr = bufnr })
  end

  local group = vim.api.nvim_create_augroup('reflex_django_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      attach(args.buf)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      vim.api.nvim_buf_call(bufnr, function()
        attach(bufnr)
      end)
    end
  end
end

return M
