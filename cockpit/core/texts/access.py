"""Texts of sign-in, roles and the subtree rule: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "au_sign_in": ("登录", "Sign in"),
    "au_sign_in_oidc": ("使用统一身份认证登录", "Sign in with the identity provider"),
    "au_name": ("用户名", "User name"),
    "au_password": ("密码", "Password"),
    "au_submit": ("登录", "Sign in"),
    "au_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "au_sign_out": ("退出登录", "Sign out"),
    "au_signed_in": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "au_open_demo": ("演示模式：未配置登录，所有人可查看全部数据。", "Demo mode: no sign-in configured, everyone sees everything."),
    "au_no_access": ("当前账号没有可查看的范围，请联系管理员分配角色与单位。",
                     "This account has nothing it may see: ask an administrator for a role and a unit."),
    "au_outside": ("无权查看单元 {code}，已转到本账号的范围。", "You may not open unit {code}: showing your own unit instead."),
    "au_no_export": ("当前角色不可导出。", "This role may not export."),
    "grids_suppressed": ("为保护个人信息，1 至 {n} 以下的计数显示为“<{n}”。", "Counts from 1 to below {n} are shown as “<{n}” to protect personal data."),
    "au_role_leader": ("领导", "leader"),
    "au_role_district": ("区县", "district"),
    "au_role_street": ("街道", "street"),
    "au_role_community": ("社区", "community"),
    "au_role_analyst": ("分析员", "analyst"),
    "au_role_viewer": ("只读", "viewer"),
}
