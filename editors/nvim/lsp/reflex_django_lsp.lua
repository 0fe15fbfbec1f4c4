-- reflex-django-lsp for Neovim 0.11+ (`vim.lsp.config` / `vim.lsp.enable`).
--
-- Put the folder holding this `lsp/` directory on 'runtimepath' (or copy this
-- file to ~/.config/nvim/lsp/), then:
--
--   vim.lsp.enable('reflex_django_lsp')
--
-- Override any field with `vim.lsp.config('reflex_django_lsp', { ... })`,
-- e.g. a binary that is not on $PATH:
--
--   vim.lsp.config('reflex_django_lsp', {
--     cmd = { '/path/to/reflex-django-lsp', 'server' },
--     settings = { reflexDjangoLsp = { ignore = { 'RDJ301' } } },
--   })
--
-- Older Neovim: lua/reflex_django_lsp/nvim_0_8.lua (0.8-0.10) and
-- lua/reflex_django_lsp/nvim_0_7.lua (0.7) in this folder; see
-- editors/nvim/README.md.
--
-- Settings use the keys of the config file (pyproject.toml's
-- [tool.reflex-django-lsp] / reflex-django-lsp.toml) in camelCase. Every key
-- is optional: a key left out keeps what the project's config file says.
--   select       = { 'RDJ1' },         -- rules or prefixes to enable (replaces the default set)
--   ignore       = { 'RDJ301' },       -- rules or prefixes to disable
--   extendSelect = { 'RDJ4' },         -- rules or prefixes added to `select`
--   unsafeFixes  = true,               -- offer unsafe fixes in code actions
--   djangoVersion = '5.2',             -- the Django version the project runs
--   databaseUrl  = 'postgres://...',   -- database for the schema checks
-- `settings` are sent as `initializationOptions` (unless `init_options` is
-- set), so the first diagnostics already use them, and again through
-- `workspace/didChangeConfiguration`; the server accepts the keys at the top
-- level or nested under `reflexDjangoLsp`.

---@type vim.lsp.Config
return {
  cmd = { 'reflex-django-lsp', 'server' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'rxconfig.py', 'manage.py', 'setup.cfg', '.git' },
  -- e.g. { reflexDjangoLsp = { ignore = { 'RDJ301' }, unsafeFixes = true } }
  settings = {},
  before_init = function(params, config)
    local settings = config.settings or {}
    local unset = params.initializationOptions == nil or vim.tbl_isempty(params.initializationOptions)
    if unset and not vim.tbl_isempty(settings) then
      params.initializationOptions = settings
    end
  end,
}
