/**
 * Presence in the wiki (docs/presence.md): on the edit form, "Also editing this page: Alice,
 * Bob", updated live for every editor of the page; with $wgWikicastShowReaders, on a page being
 * read, how many others are reading it. Editors and readers are in separate presences
 * (`page:<id>:editing` and `page:<id>`), so readers are never shown as editors.
 */

/**
 * Other people in a presence: user names without this user (once each, whatever their number
 * of open pages), and the anonymous members without this page when it is one of them.
 *
 * @param {Object} state the client's presence state ({members, anonymous})
 * @return {{names: string[], anonymous: number}}
 */
function others( state ) {
	var me = mw.config.get( 'wgUserName' ),
		names = [];
	state.members.forEach( function ( member ) {
		if ( member.user !== me && names.indexOf( member.user ) === -1 ) {
			names.push( member.user );
		}
	} );
	return { names: names, anonymous: Math.max( 0, state.anonymous - ( me === null ? 1 : 0 ) ) };
}

/**
 * @param {jQuery} $box
 * @param {{names: string[], anonymous: number}} who
 */
function showEditors( $box, who ) {
	var parts = who.names.slice();
	if ( who.anonymous > 0 ) {
		parts.push( mw.msg( 'wikicast-editing-anonymous', who.anonymous ) );
	}
	$box.text( mw.msg( 'wikicast-editing-others', parts.join( mw.msg( 'comma-separator' ) ) ) ).toggle( parts.length > 0 );
}

/**
 * @param {Object} client the Wikicast client
 * @param {string} wikiId
 * @param {boolean} showReaders
 */
function watch( client, wikiId, showReaders ) {
	var pageId = mw.config.get( 'wgArticleId' ),
		action = mw.config.get( 'wgAction' ),
		$box;
	if ( !pageId ) {
		return;
	}
	if ( action === 'edit' || action === 'submit' ) {
		$box = $( '<div>' ).attr( 'id', 'wikicast-editors' ).addClass( 'mw-message-box mw-message-box-warning' ).hide();
		$( '#editform' ).before( $box );
		client.presence( wikiId + ':page:' + pageId + ':editing', function ( state ) {
			showEditors( $box, others( state ) );
		} );
	} else if ( action === 'view' && showReaders ) {
		$box = $( '<div>' ).attr( 'id', 'wikicast-readers' ).hide();
		$( '#contentSub' ).append( $box );
		client.presence( wikiId + ':page:' + pageId, function ( state ) {
			var who = others( state ),
				count = who.names.length + who.anonymous;
			$box.text( mw.msg( 'wikicast-readers', count ) ).toggle( count > 0 );
		} );
	}
}

module.exports = { watch: watch, others: others };
