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
    "au_outside_kiosk": ("本大屏无权查看单元 {code}，已显示本大屏的单元。",
                         "This screen may not show unit {code}: showing its own unit instead."),
    "au_kiosk_invalid": ("大屏链接无效或已撤销，没有可查看的范围，请向管理员索取新的链接。",
                         "This screen's link is invalid or revoked: nothing to show. Ask the administrator for a new one."),
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

# Why the sign-in page is shown again (cockpit.domain.sign_in's reasons).
ENDED_TEXTS: dict[str, tuple[str, str]] = {
    "au_ended_ended": ("已退出登录，请重新登录。", "You were signed out. Please sign in again."),
    "au_ended_expired": ("登录已超过有效期，请重新登录。", "Your sign-in has expired. Please sign in again."),
    "au_ended_idle": ("长时间未操作，已自动退出登录，请重新登录。", "Signed out after a long time without use. Please sign in again."),
    "au_ended_removed": ("该账号已被停用，请联系管理员。", "This account no longer exists. Ask an administrator."),
    "au_ended_changed": ("该账号的角色或单位已变更，请重新登录。", "This account's role or unit has changed. Please sign in again."),
}
TEXT.update(ENDED_TEXTS)
