/**
 * Tells the reader when the page they are looking at was changed by someone else, as the seed
 * extension did: a `mw.notify` notice with a link to the change. Controlled by the user
 * preference `wikicast-notify`.
 */

/**
 * @param {Object} msg the event's `msg` (a recentchange-style change)
 * @return {jQuery}
 */
function noticeContent( msg ) {
	var who = msg.user || mw.msg( 'wikicast-notify-someone' ),
		$content = $( '<span>' ).text(
			mw.msg( msg.type === 'delete' ? 'wikicast-notify-deleted' :
				msg.type === 'move' ? 'wikicast-notify-moved' : 'wikicast-notify-edited', who )
		);
	if ( msg.revision && msg.revision.new && msg.revision.old ) {
		$content.append( ' ', $( '<a>' )
			.attr( 'href', mw.util.getUrl( mw.config.get( 'wgPageName' ), { diff: msg.revision.new, oldid: msg.revision.old } ) )
			.text( mw.msg( 'wikicast-notify-diff' ) ) );
	}
	return $content;
}

/**
 * Whether an event is this reader's own doing (their session sent it, or their account did).
 *
 * @param {Object} event
 * @return {boolean}
 */
function isOwn( event ) {
	var userName = mw.config.get( 'wgUserName' );
	return ( !!event.from && event.from === mw.config.get( 'wsClientID' ) ) ||
		( userName !== null && event.msg && event.msg.user === userName );
}

/**
 * @param {Object} client the Wikicast client
 * @param {string} wikiId
 */
function watch( client, wikiId ) {
	var pageId = mw.config.get( 'wgArticleId' ),
		// The notice on screen and the revision it names, for a retraction to take it back.
		shown = null;
	// The page as read (and its diffs), not its history or edit form: only there is a socket worth it.
	if ( !pageId || mw.config.get( 'wgAction' ) !== 'view' || !Number( mw.user.options.get( 'wikicast-notify' ) ) ) {
		return;
	}
	client.subscribe( wikiId + ':page:' + pageId, function ( event ) {
		if ( event.type === 'retract' ) {
			// Revision deletion hid what the notice shows (its user, its summary): close it.
			if ( shown && ( event.msg && event.msg.revisions || [] ).some( function ( item ) {
				return item.id === shown.revision;
			} ) ) {
				shown.notification.then( function ( notification ) {
					notification.close();
				} );
				shown = null;
			}
			return;
		}
		if ( isOwn( event ) ) {
			return;
		}
		shown = {
			revision: event.msg && event.msg.revision ? event.msg.revision.new : null,
			notification: mw.notify( noticeContent( event.msg || {} ), { tag: 'wikicast-page', autoHide: false, type: 'info' } )
		};
	} );
}

module.exports = { watch: watch, isOwn: isOwn };
