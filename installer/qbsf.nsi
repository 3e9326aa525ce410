; The Windows installer: a per-user install (no administrator rights) of the PyInstaller folder.
;
;   makensis /DVERSION=0.1.0 /DVERSION_QUAD=0.1.0.0 /DBUNDLE_DIR=..\dist\qbsf installer\qbsf.nsi
;
; Optional: /DOUTFILE=path.exe (default: beside this script), /DAPP_ICON=path.ico (default: the icon
; inside the bundle), /DCOMPRESSOR=zlib (faster, bigger; default: solid LZMA),
; /DSIGN_COMMAND="signtool sign /fd sha256 ..." (signs the installer and the uninstaller inside it;
; the command gets the file as its last argument). Relative paths are relative to this folder. Names and registry keys match app/platform/autostart.py and appid.py; the
; tests in tests/shipping/test_installer.py keep them in step.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user

!ifndef COMPRESSOR
  !define COMPRESSOR "/SOLID lzma"
!endif
SetCompressor ${COMPRESSOR}

!ifdef SIGN_COMMAND
  !finalize '${SIGN_COMMAND} "%1"' = 0
  !uninstfinalize '${SIGN_COMMAND} "%1"' = 0
!endif

!ifndef VERSION
  !error "Pass the version: /DVERSION=x.y.z"
!endif
!ifndef VERSION_QUAD
  !error "Pass the four-part version: /DVERSION_QUAD=x.y.z.0"
!endif
!ifndef BUNDLE_DIR
  !error "Pass the built folder: /DBUNDLE_DIR=dist/qbsf"
!endif
!ifndef OUTFILE
  !define OUTFILE "qbsf-${VERSION}-setup.exe"
!endif
!ifndef APP_ICON
  !define APP_ICON "${BUNDLE_DIR}/_internal/resources/icons/app.ico"
!endif

!define PRODUCT "QuickBooks Salesforce Sync"
!define PUBLISHER "QBSF"
!define EXE "qbsf.exe"
; The console companion: scripts, Task Scheduler, and setup's polite "finish and close".
!define CLI_EXE "qbsf-cli.exe"
; How long setup lets a running app finish its current batch before it is ended.
!define QUIT_TIMEOUT_MS 120000
!define APP_USER_MODEL_ID "Qbsf.QuickBooksSalesforceSync"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define RUN_VALUE "${PRODUCT}"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\qbsf"
!define AUMID_KEY "Software\Classes\AppUserModelId\${APP_USER_MODEL_ID}"
; platformdirs' folder for data, settings and logs (user_data_dir("qbsf"), not roaming).
!define USER_DATA "$LOCALAPPDATA\qbsf"
; Credential Manager targets keyring writes for the service "qbsf": the service alone, and
; "<name>@qbsf" for the others (secrets longer than one entry are split into "<name>#partN").
!define KEYRING_SERVICE "qbsf"
!define CRED_TYPE_GENERIC 1

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"
!include "x64.nsh"
!include "StrFunc.nsh"
!include "Win\COM.nsh"
!include "Win\Propkey.nsh"
${StrStr}
${UnStrStr}

Name "${PRODUCT}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION_QUAD}"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT} setup"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "(c) ${PUBLISHER}"

!define MUI_ICON "${APP_ICON}"
!define MUI_UNICON "${APP_ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC

!define MUI_WELCOMEPAGE_TEXT "This installs ${PRODUCT} ${VERSION} for you alone; no administrator \
rights are needed.$\r$\n$\r$\nIf the app is running, setup closes it first. Your settings, sync \
history and saved sign-ins are kept."
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Launch ${PRODUCT}"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_TEXT_TOP "Your settings, sync history, logs and saved sign-ins are \
kept unless you tick the box below."
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

;; Sets $R1 to 1 when this user's qbsf.exe runs, else 0. System tools by full path only.
!macro IS_APP_RUNNING_FUNCTION UN
Function ${UN}IsAppRunning
  ReadEnvStr $R0 "USERNAME"
  nsExec::ExecToStack '"$SYSDIR\tasklist.exe" /NH /FI "IMAGENAME eq ${EXE}" /FI "USERNAME eq $R0"'
  Pop $R1
  Pop $R2
  !if "${UN}" == ""
    ${StrStr} $R3 $R2 "${EXE}"
  !else
    ${UnStrStr} $R3 $R2 "${EXE}"
  !endif
  ${If} $R3 == ""
    StrCpy $R1 0
  ${Else}
    StrCpy $R1 1
  ${EndIf}
FunctionEnd
!macroend
!insertmacro IS_APP_RUNNING_FUNCTION ""
!insertmacro IS_APP_RUNNING_FUNCTION "un."

; Closes the running app (only this user's copies), so its files can be replaced or removed.
; First `qbsf-cli.exe --quit`: the app finishes its current batch and exits, and the command waits
; for that. Only a copy still running afterwards is ended with taskkill /F (a tray app ignores the
; WM_CLOSE a plain taskkill sends); the sync engine survives that too, the next run finishes the work.
!macro CLOSE_RUNNING_APP UN
  Call ${UN}IsAppRunning
  ${If} $R1 == 1
    MessageBox MB_OKCANCEL|MB_ICONINFORMATION \
      "${PRODUCT} is running. Setup will close it to continue." /SD IDOK IDOK +2
    Abort
    DetailPrint "Asking ${PRODUCT} to finish its work and close..."
    ${If} ${FileExists} "$INSTDIR\${CLI_EXE}"
      nsExec::Exec /TIMEOUT=${QUIT_TIMEOUT_MS} '"$INSTDIR\${CLI_EXE}" --quit'
      Pop $R1
      DetailPrint "qbsf-cli --quit: $R1"
    ${EndIf}
    StrCpy $R4 0
    ${Do}
      Call ${UN}IsAppRunning
      ${If} $R1 == 0
      ${OrIf} $R4 >= 20
        ${ExitDo}
      ${EndIf}
      IntOp $R4 $R4 + 1
      Sleep 500
    ${Loop}
    ${If} $R1 == 1
      DetailPrint "Ending ${PRODUCT}..."
      nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${EXE} /FI "USERNAME eq $R0"'
      Pop $R1
      Sleep 1000
    ${EndIf}
  ${EndIf}
!macroend

; Gives a shortcut the app's AppUserModelID (System.AppUserModel.ID), so the Start menu, the
; taskbar and notifications treat the shortcut and the running app as one program.
!macro SET_SHORTCUT_APP_ID LINK
  !insertmacro ComHlpr_CreateInProcInstance ${CLSID_ShellLink} ${IID_IShellLink} r1 ""
  ${If} $1 P<> 0
    ${IUnknown::QueryInterface} $1 '("${IID_IPersistFile}",.r2)'
    ${If} $2 P<> 0
      ${IPersistFile::Load} $2 '("${LINK}",${STGM_READWRITE})i.r0'
      ${IUnknown::QueryInterface} $1 '("${IID_IPropertyStore}",.r3)'
      ${If} $0 = 0
      ${AndIf} $3 P<> 0
        System::Call '*${SYSSTRUCT_PROPERTYKEY}(${PKEY_AppUserModel_ID})p.r4'
        System::Call '*(&w${NSIS_MAX_STRLEN} "${APP_USER_MODEL_ID}")p.r6'
        System::Call '*${SYSSTRUCT_PROPVARIANT}(${VT_LPWSTR},,p r6)p.r5'
        ${IPropertyStore::SetValue} $3 '($4,$5)i.r0'
        ${If} $0 = 0
          ${IPropertyStore::Commit} $3 "i.r0"
          ${IPersistFile::Save} $2 '("${LINK}",1)i.r0'
        ${EndIf}
        DetailPrint "AppUserModelID on ${LINK}: $0"
        System::Free $4
        System::Free $5
        System::Free $6
        ${IUnknown::Release} $3 ""
      ${EndIf}
      ${IUnknown::Release} $2 ""
    ${EndIf}
    ${IUnknown::Release} $1 ""
  ${EndIf}
!macroend

Section "!${PRODUCT}" SEC_APP
  SectionIn RO
  !insertmacro CLOSE_RUNNING_APP ""
  SetOutPath "$INSTDIR"
  ; A fresh _internal on every upgrade, so no file of an older version lingers.
  RMDir /r "$INSTDIR\_internal"
  File /r "${BUNDLE_DIR}/*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  WriteRegStr HKCU "${AUMID_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${AUMID_KEY}" "IconUri" "$INSTDIR\_internal\resources\icons\app.ico"

  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Start menu shortcut" SEC_STARTMENU
  CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  !insertmacro SET_SHORTCUT_APP_ID "$SMPROGRAMS\${PRODUCT}.lnk"
SectionEnd

Section /o "Desktop shortcut" SEC_DESKTOP
  CreateShortCut "$DESKTOP\${PRODUCT}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  !insertmacro SET_SHORTCUT_APP_ID "$DESKTOP\${PRODUCT}.lnk"
SectionEnd

Section "Start with Windows" SEC_AUTOSTART
  ; Quoted: an unquoted path with spaces could start a different program.
  WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\${EXE}"'
SectionEnd

Section "-autostart off"
  ${IfNot} ${SectionIsSelected} ${SEC_AUTOSTART}
    DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ${EndIf}
  ${IfNot} ${SectionIsSelected} ${SEC_STARTMENU}
    Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  ${EndIf}
SectionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${PRODUCT} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ; An upgrade keeps the start-with-Windows choice made before (in setup or in the app's settings).
  ReadRegStr $0 HKCU "${UNINSTALL_KEY}" "InstallLocation"
  ReadRegStr $1 HKCU "${RUN_KEY}" "${RUN_VALUE}"
  ${If} $0 != ""
  ${AndIf} $1 == ""
    !insertmacro UnselectSection ${SEC_AUTOSTART}
  ${EndIf}
FunctionEnd

; ---- uninstaller ---------------------------------------------------------------------------------

!macro DELETE_SECRET NAME
  System::Call 'advapi32::CredDeleteW(w "${NAME}@${KEYRING_SERVICE}", i ${CRED_TYPE_GENERIC}, i 0) i'
  StrCpy $R5 1
  ${Do}
    System::Call 'advapi32::CredDeleteW(w "${NAME}#part$R5@${KEYRING_SERVICE}", i ${CRED_TYPE_GENERIC}, i 0) i'
    IntOp $R5 $R5 + 1
  ${LoopUntil} $R5 > 32
!macroend

Section "-un.${PRODUCT}" UNSEC_APP
  !insertmacro CLOSE_RUNNING_APP "un."
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  Delete "$DESKTOP\${PRODUCT}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  DeleteRegKey HKCU "${AUMID_KEY}"
  ; Only what setup put there, in case the folder was chosen with other files in it.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\${CLI_EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
SectionEnd

Section /o "un.Remove my settings, sync history, logs and saved sign-ins" UNSEC_DATA
  RMDir /r "${USER_DATA}"
  System::Call 'advapi32::CredDeleteW(w "${KEYRING_SERVICE}", i ${CRED_TYPE_GENERIC}, i 0) i'
  !insertmacro DELETE_SECRET "conductor-secret-key"
  !insertmacro DELETE_SECRET "salesforce-refresh-token"
SectionEnd

; `uninstall.exe /S /REMOVEDATA` removes the user's data too, as the box does in the dialog.
Function un.onInit
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UNSEC_DATA}
  ${EndIf}
FunctionEnd
